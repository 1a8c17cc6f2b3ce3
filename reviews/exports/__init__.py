"""Exports of a call for programme staff: applications, reviews, scoreboard and decisions,
as CSV (streamed) or XLSX (written row by row to a temporary file).

- :mod:`reviews.exports.cells`: :func:`safe_cell`, the guard against spreadsheet formula
  injection, and the formatting of values;
- :mod:`reviews.exports.tables`: what each export contains (headers and a row generator
  over ``.iterator(chunk_size=...)`` querysets), the scoreboard and decisions exports in
  :mod:`reviews.exports.selection_tables`;
- :mod:`reviews.exports.writers`: the CSV and XLSX responses.

The audit event of each export is written by ``reviews.services.exports``.
"""
