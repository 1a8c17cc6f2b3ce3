"""The upload check's CPU time on two large plain PDFs (median of 5, ``process_time``).

    .venv/bin/python -m bench.pdf_check [--runs 5]

Files: the 5 MB PDF of ``make bench-scaleout`` (one page, a 5 MB stream of hexadecimal
text), the same with 5 MB of binary stream data (like a compressed image), and an 800-page
PDF written by pypdf (a text content stream per page).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def many_pages(count: int) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number in range(count):
        page = writer.add_blank_page(595, 842)
        lines = b"".join(
            b"BT /F1 10 Tf 72 %d Td (Page %d, line %d of the proposal text.) Tj ET\n"
            % (800 - 14 * line, number + 1, line)
            for line in range(50)
        )
        stream = DecodedStreamObject()
        stream.set_data(lines)
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def binary_stream(text: str, size: int, seed: int) -> bytes:
    """A one-page PDF of about ``size`` bytes whose bulk is one stream of random bytes."""
    from bench.scaleout import LargePdf

    data = random.Random(seed).randbytes(size // 2 - 600)
    data = data.replace(b"endstream", b"endstreak").replace(b"endobj", b"endobk")
    hexadecimal = LargePdf(text, size, seed)()
    padding = LargePdf(text, size, seed).padding()
    return hexadecimal.replace(
        b"<< /Length %d >>\nstream\n" % len(padding) + padding,
        b"<< /Length %d >>\nstream\n" % len(data + data) + data + data,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aissai.settings")
    import django

    django.setup()
    from bench.scaleout import LargePdf
    from calls.services.pdf_check import check_pdf

    files = {
        "5 MB, one page": LargePdf("Project 1 of bench", 5_000_000, 1)(),
        "5 MB, one page, binary stream": binary_stream("Project 1 of bench", 5_000_000, 1),
        "800 pages": many_pages(800),
    }
    for label, data in files.items():
        times = []
        for _run in range(args.runs):
            start = time.process_time()
            check_pdf(data)
            times.append(time.process_time() - start)
        print(
            f"{label} ({len(data) / 1e6:.2f} MB): median {statistics.median(times):.3f} CPU-s "
            f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)"
        )


if __name__ == "__main__":
    main()
