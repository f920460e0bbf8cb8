"""Headless chromium for the HTML report's tests (no Python driver): --dump-dom for the page
after its script ran, with the console on stderr, --screenshot for a PNG, decoded here with
zlib. A fresh profile each time, and every background service of the browser off."""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

CHROMIUM = shutil.which("chromium")
SKIP = "chromium is not installed (apt-get install -y chromium); the report's browser test needs it"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def _run(page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args,
                               page.resolve().as_uri()], capture_output=True, text=True,
                              timeout=120, check=True)


def dump_dom(page: Path) -> tuple[str, list[str]]:
    """(the DOM once the page has loaded, the lines the page wrote to its console)."""
    r = _run(page, "--dump-dom")
    return r.stdout, [line for line in r.stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    _run(page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")


def read_png(path: Path) -> list[list[tuple[int, int, int]]]:
    """The RGB pixels of an 8-bit RGB or RGBA PNG, rows top to bottom."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, colour = head[:4]
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    bpp = 3 if colour == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return rows


def near(pixel, colour, tolerance: int = 6) -> bool:
    return all(abs(p - c) <= tolerance for p, c in zip(pixel, colour))


# the band colours of report.css: solid for the running context, pale for one it interrupted
NMI_RUN, TASK_HELD, HARDIRQ_RUN = (0xc2, 0x18, 0x5b), (0xbf, 0xe5, 0xc8), (0xe3, 0x9b, 0x00)
TASK_RUN = (0x2e, 0x9d, 0x4b)


def interrupted_rows(rows, below: tuple, above: tuple) -> int:
    """How many pixel rows show a pale band `below` with a solid band `above` to its right: a
    context visibly interrupted by a higher one on the same CPU."""
    count = 0
    for row in rows:
        xs = [x for x, p in enumerate(row) if near(p, below)]
        if xs and any(near(p, above) for p in row[xs[0]:xs[0] + 60]):
            count += 1
    return count
