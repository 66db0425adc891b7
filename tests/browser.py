"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Playwright comes from PyPI with its driver; the browser is the system's (``make chromium``
installs it), never one that ``playwright install`` would download. Without Chromium the tests
skip with the install command, except under CI=true, where a missing browser is an error.

A PNG is judged blank or not with the standard library alone:

>>> import zlib, struct
>>> def png(rows: list[bytes], width: int) -> bytes:
...     def chunk(kind: bytes, body: bytes) -> bytes:
...         return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
...     header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
...     raw = b"".join(b"\\x00" + row for row in rows)
...     return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
>>> white, red = b"\\xff\\xff\\xff", b"\\xff\\x00\\x00"
>>> ink(png([white * 2, white * 2], 2)), ink(png([white + red, white * 2], 2))
(0.0, 0.25)
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

INSTALL = (
    "Chromium is needed for the browser tests: make chromium, or "
    "sudo apt-get install --no-install-recommends chromium"
)

# As root in a sandboxed machine: no sandbox, no GPU, and none of Chromium's own network calls
# (the machine's closed network would refuse them, many at a time).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: `make test` installs it, so this is an error)")
    pytest.skip(reason)


@contextmanager
def launched() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``) with a fresh profile, closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: pip install -e '.[test]'")
    executable = chromium_path()
    if executable is None:
        _missing(INSTALL)
    with sync_playwright() as playwright:
        # Playwright gives each launch a new, empty user-data-dir of its own.
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


def ink(png: bytes) -> float:
    """The share of pixels of an 8-bit RGB or RGBA PNG that are not pure white."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, header, data = 8, b"", bytearray()
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (2, 6):
        raise ValueError(f"only 8-bit RGB or RGBA PNGs are read, got depth {depth}, type {colour}")
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(bytes(data))
    previous = bytearray(stride)
    coloured = 0
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG filter of this scanline
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        coloured += sum(1 for x in range(0, stride, channels) if line[x : x + 3] != b"\xff\xff\xff")
        previous = line
    return coloured / (width * height)
