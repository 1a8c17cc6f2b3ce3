"""Conflicts of interest: the pure detection rules (``detection``). The review services
turn the findings into Conflict rows."""
