"""PDF pages as PNG images for looking at them (pypdfium2, a dev dependency; no PIL: a minimal PNG writer)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def render_pages(pdf_path: Path, out_dir: Path, *, scale: float = 1.5) -> list[Path]:
    """Every page of pdf_path as out_dir/<stem>-<n>.png (n from 1); returns the files."""
    import pypdfium2 as pdfium

    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(pdf_path))
    files = []
    try:
        for i in range(len(pdf)):
            bitmap = pdf[i].render(scale=scale, rev_byteorder=True)  # RGB(x) byte order
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            n = bitmap.n_channels
            buf = bytes(bitmap.buffer)
            rows = []
            for y in range(height):
                line = buf[y * stride:y * stride + width * n]
                rows.append(line if n == 3 else b"".join(line[x:x + 3] for x in range(0, len(line), n)))
            path = out_dir / f"{pdf_path.stem}-{i + 1}.png"
            path.write_bytes(_png(width, height, rows))
            files.append(path)
    finally:
        pdf.close()
    return files


def page_count(pdf_path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(pdf)
    finally:
        pdf.close()


if __name__ == "__main__":
    import sys

    for f in render_pages(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f)
