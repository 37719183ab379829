"""Session replays built from the real rrweb recordings in `fixtures/rrweb/`.

A demo replay is one of the three recordings moved in time so that it starts when its session
started. The chunks are served exactly as the fixtures split them (mdn-bears' chunks overlap in
time, rrweb-form's are listed out of time order), with only each line's top-level `"timestamp"`
digits rewritten: every other byte of every line is untouched, and because the shift is the same
for all events, merging the shifted chunks gives exactly the shifted `events.json`
(`expected_events`).
"""

from __future__ import annotations

import functools
import gzip
import heapq
import json
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rrweb"
_TS_KEY = b',"timestamp":'


@dataclass(frozen=True)
class Recording:
    name: str
    chunk_lines: tuple[tuple[bytes, ...], ...]  # per chunk file, in file order, lines without \n
    first_ts: int
    last_ts: int
    width: int
    height: int

    @property
    def duration_ms(self) -> int:
        return self.last_ts - self.first_ts

    @property
    def chunks_count(self) -> int:
        return len(self.chunk_lines)


def _line_ts(line: bytes) -> int:
    # Every fixture line ends with `,"timestamp":<digits>}` (checked in `load`): the top-level key
    # is last, and no nested object has a "timestamp" key.
    return int(line[line.rindex(_TS_KEY) + len(_TS_KEY) : -1])


@functools.cache
def load(name: str) -> Recording:
    files = sorted(FIXTURES.glob(f"{name}.chunk-*.ndjson.gz"))
    if not files:
        raise KeyError(f"no recording {name!r}")
    chunks = []
    for f in files:
        lines = tuple(x for x in gzip.decompress(f.read_bytes()).split(b"\n") if x)
        for line in lines:
            assert line.count(b'"timestamp"') == 1 and line.endswith(b"}"), (f, line[:80])
        chunks.append(lines)
    stamps = [_line_ts(x) for c in chunks for x in c]
    meta = next(json.loads(x) for c in chunks for x in c if x.startswith(b'{"type":4,'))
    return Recording(
        name=name,
        chunk_lines=tuple(chunks),
        first_ts=min(stamps),
        last_ts=max(stamps),
        width=int(meta["data"]["width"]),
        height=int(meta["data"]["height"]),
    )


def shift_line(line: bytes, delta_ms: int) -> bytes:
    """The same line with only its top-level timestamp moved by `delta_ms`."""
    at = line.rindex(_TS_KEY) + len(_TS_KEY)
    return line[:at] + str(int(line[at:-1]) + delta_ms).encode() + b"}"


@functools.lru_cache(maxsize=256)
def shifted_chunk(name: str, index: int, delta_ms: int) -> bytes:
    """Chunk `index` of recording `name`, shifted and gzipped (deterministic: mtime 0)."""
    lines = load(name).chunk_lines[index]
    body = b"".join(shift_line(x, delta_ms) + b"\n" for x in lines)
    return gzip.compress(body, compresslevel=6, mtime=0)


def expected_recording_events(name: str, delta_ms: int) -> list[bytes]:
    """`<name>.events.json`, shifted by `delta_ms`, as compact NDJSON lines (without newlines).

    Built from `events.json` (the ground truth), not from the chunks, so it can check a merge.
    """
    events = json.loads((FIXTURES / f"{name}.events.json").read_bytes())
    out = []
    for event in events:
        event["timestamp"] += delta_ms
        out.append(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    return out


def merge_chunks(gzipped_chunks: list[bytes]) -> list[bytes]:
    """Reference merge: gunzip, then order lines by (timestamp, chunk index, line index)."""
    runs = []
    for c, blob in enumerate(gzipped_chunks):
        lines = [x for x in gzip.decompress(blob).split(b"\n") if x]
        runs.append([(json.loads(x)["timestamp"], c, n, x) for n, x in enumerate(lines)])
    return [item[3] for item in heapq.merge(*runs)]
