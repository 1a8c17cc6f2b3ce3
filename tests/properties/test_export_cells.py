"""Properties of the export cells (``reviews.exports.cells``): whatever text a person
typed, the CSV cell read back by a spreadsheet is text (never a formula) and shows what
was typed, and numbers stay numbers."""

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.exports.cells import (
    FORMULA_TRIGGERS,
    QUOTE,
    SEPARATORS,
    SIGN_AFTER_SEPARATOR,
    csv_cell,
    is_formula_like,
    safe_cell,
)

texts = st.one_of(
    st.text(max_size=40),
    st.builds(lambda t, rest: t + rest, st.sampled_from(FORMULA_TRIGGERS), st.text(max_size=20)),
)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_no_cell_starts_a_formula_and_nothing_typed_is_lost(text):
    cell = safe_cell(text)
    assert not is_formula_like(cell)
    assert cell.replace(QUOTE, "") == text.replace(QUOTE, "")  # only apostrophes added
    assert (cell != text) == bool(is_formula_like(text) or SIGN_AFTER_SEPARATOR.search(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4))
def test_no_piece_after_a_separator_starts_a_formula(pieces):
    """Whatever separator a spreadsheet splits the cell on, no piece is a formula."""
    first, *rest = re.split(f"[{SEPARATORS}]", safe_cell(";".join(pieces)))
    assert not is_formula_like(first)
    signs = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    assert not any(piece.lstrip(" \u00a0\u3000").startswith(signs) for piece in rest)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6))
def test_csv_round_trip_gives_each_cell_back_safe(row):
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(value) for value in row])
    read = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert read == [safe_cell(value) for value in row]
    assert not any(is_formula_like(cell) for cell in read)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.decimals()))
def test_numbers_are_never_quoted(value):
    assert safe_cell(value) is value
