"""The project's date formats (settings ``FORMAT_MODULE_PATH``), one module per language.

Only the short formats of dense tables are set here: a date that no reader can take for
another (« 28 déc. 2026 », "28 Dec 2026", never 12/28/2026), in the style of the long
dates of ``aissai.formatting.long_datetime``. Everything else, the input formats of forms
included, comes from Django's own locale formats.
"""
