"""The upload check's scan of the raw file: ``bytes.find`` loops that give exactly what
the regular expressions they replace gave (kept here as the reference), on the edges of
the syntax and on many generated files."""

import random
import re

import pytest

from calls.services.pdf_check import _object_spans, _raw_names, _syntax, check_pdf
from tests.calls.test_pdf_active_content import build_pdf, found_in, refusal

REFERENCE_OBJECT = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b(.*?)\bendobj", re.DOTALL)
REFERENCE_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)


def reference_spans(data: bytes) -> list[tuple[int, int, int, int]]:
    return [
        (m.start(), int(m.group(1)), m.start(3), m.end(3)) for m in REFERENCE_OBJECT.finditer(data)
    ]


EDGES = {
    "plain object": b"1 0 obj<</A 1>>endobj",
    "number of 10 digits": b"1234567890 0 obj x endobj",
    "number of 11 digits": b"12345678901 0 obj x endobj",
    "generation of 5 digits": b"7 12345 obj x endobj",
    "generation of 6 digits": b"7 123456 obj x endobj",
    "word after obj": b"1 0 objx endobj 2 0 obj y endobj",
    "word before endobj": b"1 0 obj x xendobj y endobj",
    "endobj glued to a word after": b"1 0 obj x endobjz 2 0 obj y endobj",
    "no space before obj": b"1 0obj x endobj",
    "letter before the number": b"a1 0 obj x endobj",
    "every kind of space": b"1\t\x0b\x0c0\r\n obj\x00endobj",
    "nul is no space": b"1\x000 obj x endobj",
    "no endobj": b"1 0 obj x 2 0 obj y",
    "endobj inside stream data": b"1 0 obj<<>>stream\nab endobj cd\nendstream endobj",
    "nested head": b"1 0 obj 2 0 obj x endobj endobj",
    "head at the end": b"x 1 0 obj",
    "head right after an endobj": b"1 0 obj a endobj2 0 obj b endobj",
    "stream with CRLF": b"/A stream\r\n/Hidden\nendstream/B",
    "stream with CR alone": b"/A stream\r/Seen\nendstream/B",
    "stream without endstream": b"/A stream\n/Seen",
    "endstream opening a stream": b"/A endstream\n/Hidden endstream /B stream\n/C endstream",
    "name glued to stream": b"/Xstream\n/Hidden\nendstream/Y",
    "empty stream data": b"stream\nendstream/Z",
}


@pytest.mark.parametrize("name", EDGES)
def test_scan_finds_what_the_regular_expressions_found_on_edges(name):
    data = EDGES[name]
    assert list(_object_spans(data)) == reference_spans(data)
    assert _syntax(data) == REFERENCE_STREAM.sub(b"stream endstream", data)


TOKENS = [
    b"obj", b"endobj", b"stream", b"endstream", b"\n", b"\r\n", b"\r", b" ", b"\t", b"\x00",
    b"0", b"7", b"12", b"123456", b"12345678901", b"x", b"_", b"/JS", b"/Ja#76aScript",
    b"<<", b">>", b"(", b")", b"1 0 obj", b"12 0 obj\n", b" 0 obj ", b" endobj", b"\nendobj\n",
    b"stream\n", b"\nendstream", b"3 7 obj",
]  # fmt: skip


def test_scan_finds_what_the_regular_expressions_found_on_generated_files():
    generator = random.Random(18)
    objects = streams = 0
    for _file in range(3000):
        data = b"".join(generator.choice(TOKENS) for _token in range(generator.randint(0, 60)))
        assert list(_object_spans(data)) == reference_spans(data), data
        assert _syntax(data) == REFERENCE_STREAM.sub(b"stream endstream", data), data
        objects += bool(reference_spans(data))
        streams += REFERENCE_STREAM.search(data) is not None
    assert objects > 500 and streams > 500  # the generated files do hold both


def test_names_inside_stream_data_are_not_syntax():
    data = b"1 0 obj<</Length 13>>stream\n/JavaScript x\nendstream endobj /Seen"
    assert _raw_names(data) == {"Length", "Seen"}


def test_unlisted_javascript_after_a_large_binary_stream_is_refused():
    padding = random.Random(5).randbytes(2_000_000).replace(b"endobj", b"endobk")
    padding = padding.replace(b"endstream", b"endstreak")
    data = build_pdf(
        listed=[b"<</Length %d>>stream\n%s\nendstream" % (len(padding), padding)],
        hidden=[b"<</S/JavaScript/JS(app.alert(1))>>"],
    )
    assert found_in(refusal(data)) == ["JavaScript"]


def test_javascript_behind_a_head_with_a_long_generation_is_not_an_object_but_still_a_name():
    data = build_pdf(hidden=[b"<</S/Launch>>"]).replace(b"5 0 obj", b"5 123456 obj")
    assert found_in(refusal(data)) == ["Launch"]


def test_plain_pdf_with_binary_streams_is_accepted():
    padding = bytes(range(256)) * 4000
    check_pdf(build_pdf(listed=[b"<</Length %d>>stream\n%s\nendstream" % (len(padding), padding)]))
