"""Reviewer assignment: expertise affinity (``affinity``) and the exact min-cost-flow
proposal (``solver``). Pure modules: the review services load the data and call them."""
