"""The portable replay: one self-contained .html file that plays a recording offline.

Made as a stream: the merged NDJSON blocks are gzip-compressed as they come and written out in
base64 pieces (``<script type="application/octet-stream">``, never executed), so a 150 MB replay
never sits in memory whole. The file carries rrweb-player (vendored, unmodified) and its CSS
inline, and a small loader (``portable/loader.js``) that unpacks the pieces with
``DecompressionStream``. It is opened from disk, where oakdash's CSP does not reach, so it brings
its own: only its two inline scripts (by hash), inline styles, and data:/blob: media.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils.html import escape

PLAYER = "vendor/rrweb-player-2.1.7/"  # the same files the replay page serves
LOADER = Path(__file__).with_name("portable") / "loader.js"
# Compressed bytes per base64 piece: big enough to keep the markup small, small enough that
# neither the server nor the browser holds much at a time.
PIECE_BYTES = 512 * 1024
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Provenance:
    """The visible note: who exported which replay of which project, and when."""

    user: str
    project: str
    replay_id: str
    exported_at: str  # already formatted, with its zone


@dataclass(frozen=True)
class _Assets:
    player_js: str
    player_css: str
    loader_js: str


def _inline_safe(text: str, tag: str) -> str:
    if f"</{tag}" in text.lower():
        raise ValueError(f"cannot inline text containing </{tag}")
    return text


def _static(name: str) -> str:
    found = finders.find(name)
    if not isinstance(found, str):  # a missing asset is a broken install, not a user's mistake
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(found).read_text(encoding="utf-8")


@cache
def _assets() -> _Assets:
    return _Assets(
        player_js=_inline_safe(_static(PLAYER + "rrweb-player.min.js"), "script"),
        player_css=_inline_safe(_static(PLAYER + "style.min.css"), "style"),
        loader_js=_inline_safe(LOADER.read_text(), "script"),
    )


def player_bytes() -> int:
    """What every portable file carries besides the recording (for the size estimate)."""
    assets = _assets()
    return sum(len(text.encode()) for text in assets.__dict__.values()) + 2048


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def file_csp() -> str:
    assets = _assets()
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_hash(assets.player_js)} {_hash(assets.loader_js)}",
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
            "media-src data: blob:",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _head(about: Provenance) -> str:
    assets = _assets()
    title = escape(f"Replay {about.replay_id[:40]} · {about.project}")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{file_csp()}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{assets.player_css}</style>\n"
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:1rem auto;max-width:1300px;"
        "padding:0 1rem}.about{background:#eef3ee;border-radius:8px;padding:.5rem 1rem}"
        'code{word-break:break-all}</style>\n</head>\n<body data-state="loading">\n'
        '<p class="about" id="about">Exported from oakdash by '
        f"<strong>{escape(about.user)}</strong> on {escape(about.exported_at)}, project "
        f"<strong>{escape(about.project)}</strong>, replay <code>{escape(about.replay_id)}</code>."
        " It plays offline. It holds a recording of a real visit: handle it like the data it"
        " is.</p>\n"
        '<p id="status" role="status">Unpacking the recording…</p>\n<div id="player"></div>\n'
    )


def _piece(data: bytes) -> bytes:
    return (
        b'<script type="application/octet-stream" class="oakdash-events">'
        + base64.b64encode(data)
        + b"</script>\n"
    )


def portable_html(blocks: Iterator[bytes], about: Provenance) -> Iterator[bytes]:
    """The file, as blocks: head and note, the events in pieces, then player and loader."""
    yield _head(about).encode()
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    pending = bytearray()
    for block in blocks:
        pending += compressor.compress(block)
        while len(pending) >= PIECE_BYTES:
            yield _piece(bytes(pending[:PIECE_BYTES]))
            del pending[:PIECE_BYTES]
    pending += compressor.flush()
    if pending:
        yield _piece(bytes(pending))
    assets = _assets()
    yield f"<script>{assets.player_js}</script>\n<script>{assets.loader_js}</script>\n".encode()
    yield b"</body>\n</html>\n"
