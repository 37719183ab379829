"""Build a large, deterministic replay from the real rrweb fixtures, and time the merge on it.

    .venv/bin/python bench/replay_build.py                      # all three layouts, 150 MB
    .venv/bin/python bench/replay_build.py --layout two-buffers --mb 50 --repeat 5

`build_replay()` is the reusable part (later benchmarks import it): the recording's own opening
events (DomContentLoaded, Load, Meta and the real FullSnapshot) and its first pass of events, then
its idempotent incremental events (everything but DOM mutations, which could not be replayed twice)
again and again, shifted later in time, until the NDJSON reaches `target_bytes`; cut into gzipped
chunks in one of three layouts:

* ``sequential``  contiguous time slices, file order = time order (todomvc's layout)
* ``shuffled``    the same slices in a shuffled file order (rrweb-form's layout)
* ``two-buffers`` two recorder buffers flushed independently, DOM-ish events every 20 s-equivalent
                  and pointer events every 30 s-equivalent: chunks overlap in time (mdn-bears')

The timing compares `merged_ndjson` over the in-memory chunks with `gzip -dc` of the same chunk
files (page-cached) to /dev/null: best of `--repeat` runs each, interleaved, as throughput of
NDJSON bytes, in wall-clock time and in CPU time (steadier on a busy machine). The merged output
is checked against an independent heapq/json merge (--no-verify skips that).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import heapq
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "oakdash" / "demo" / "fixtures" / "rrweb"
LAYOUTS = ("sequential", "shuffled", "two-buffers")
# mdn-bears' two recorder buffers (see the fixtures' README): pointer-ish incremental sources.
POINTER_SOURCES = frozenset({1, 2, 3, 6, 11, 14})  # MouseMove, MouseInteraction, Scroll, Touch...


@dataclass(frozen=True)
class BuiltReplay:
    chunks: list[bytes]  # gzipped NDJSON, in file order
    ndjson_bytes: int  # total decompressed size
    events: int
    layout: str

    @property
    def gzip_bytes(self) -> int:
        return sum(map(len, self.chunks))


def _line(event: dict) -> bytes:
    # The fixtures' own serialisation: compact, UTF-8 (their chunk lines are byte-identical).
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def _events(recording: str, fixtures: Path, target_bytes: int) -> Iterator[tuple[int, bool, bytes]]:
    """(timestamp, is_pointer_event, line) in time order, about `target_bytes` of lines."""
    events = json.loads((fixtures / f"{recording}.events.json").read_bytes())
    snapshot = next(i for i, e in enumerate(events) if e["type"] == 2)
    repeatable = [
        e for e in events[snapshot + 1 :] if e["type"] == 3 and e["data"].get("source") != 0
    ]
    span = repeatable[-1]["timestamp"] - repeatable[0]["timestamp"]
    period = span + 1_000  # one second of quiet between passes
    size = 0
    for event in events:  # the real recording once, opening events and all
        line = _line(event)
        size += len(line) + 1
        yield event["timestamp"], _is_pointer(event), line
    # Serialise each repeatable event once; a shifted copy only changes its trailing timestamp
    # (rrweb writes it last), which keeps building 150 MB to a few seconds.
    templates = []
    for event in repeatable:
        line, tail = _line(event), b"%d}" % event["timestamp"]
        assert line.endswith(b',"timestamp":' + tail), "timestamp is not the last key"
        templates.append((event["timestamp"], _is_pointer(event), line[: -len(tail)]))
    shift = events[-1]["timestamp"] - repeatable[0]["timestamp"] + 1_000
    while size < target_bytes:
        for ts, pointer, head in templates:
            line = b"%s%d}" % (head, ts + shift)
            size += len(line) + 1
            yield ts + shift, pointer, line
        shift += period


def _is_pointer(event: dict) -> bool:
    return event["type"] == 3 and event["data"].get("source") in POINTER_SOURCES


def _gz(lines: list[bytes], level: int) -> bytes:
    return gzip.compress(b"\n".join(lines) + b"\n", compresslevel=level, mtime=0)


def build_replay(
    *,
    target_bytes: int = 150_000_000,
    chunks: int = 150,
    layout: str = "sequential",
    recording: str = "mdn-bears",
    fixtures: Path | str = FIXTURES,
    compresslevel: int = 6,
    seed: int = 1,
) -> BuiltReplay:
    """A replay of about `target_bytes` NDJSON in about `chunks` gzipped chunks (deterministic)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    stream = list(_events(recording, Path(fixtures), target_bytes))
    total = sum(len(line) + 1 for _, _, line in stream)
    out: list[bytes] = []
    if layout in ("sequential", "shuffled"):
        per_chunk = total / chunks
        current: list[bytes] = []
        size = 0
        for _, _, line in stream:
            current.append(line)
            size += len(line) + 1
            if size >= per_chunk * (len(out) + 1):
                out.append(_gz(current, compresslevel))
                current = []
        if current:
            out.append(_gz(current, compresslevel))
        if layout == "shuffled":
            random.Random(seed).shuffle(out)
    else:
        # Windows sized so that 3 DOM flushes happen per 2 pointer flushes, ~`chunks` in all.
        start, end = stream[0][0], stream[-1][0] + 1
        windows = {False: (end - start) / (chunks * 0.6), True: (end - start) / (chunks * 0.4)}
        buffers: dict[bool, list[bytes]] = {False: [], True: []}
        flush_at = {kind: start + windows[kind] for kind in windows}
        flushed: list[tuple[float, bool, bytes]] = []  # (flush time, kind, gz)
        for ts, kind, line in stream:
            while ts >= flush_at[kind]:
                if buffers[kind]:
                    flushed.append((flush_at[kind], kind, _gz(buffers[kind], compresslevel)))
                    buffers[kind] = []
                flush_at[kind] += windows[kind]
            buffers[kind].append(line)
        for kind, lines in buffers.items():
            if lines:
                flushed.append((flush_at[kind], kind, _gz(lines, compresslevel)))
        flushed.sort(key=lambda item: (item[0], item[1]))  # numbered by flush completion
        out = [gz for _, _, gz in flushed]
    return BuiltReplay(chunks=out, ndjson_bytes=total, events=len(stream), layout=layout)


def reference_digest(chunks: list[bytes]) -> str:
    """sha256 of the expected merge, computed the slow, obvious way (json + heapq.merge)."""

    def keyed(index: int, data: bytes) -> Iterator[tuple[int, int, int, bytes]]:
        for number, line in enumerate(gzip.decompress(data).splitlines()):
            yield json.loads(line)["timestamp"], index, number, line

    digest = hashlib.sha256()
    for _, _, _, line in heapq.merge(*(keyed(i, c) for i, c in enumerate(chunks))):
        digest.update(line + b"\n")
    return digest.hexdigest()


def time_gzip(paths: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of `gzip -dc paths > /dev/null`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(["gzip", "-dc", *paths], stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_merge(
    chunks: list[bytes], digest: hashlib._Hash | None = None
) -> tuple[float, float, int]:
    """(wall, CPU) seconds of streaming `merged_ndjson(chunks)`, and the bytes it yielded."""
    from oakdash.replay import merged_ndjson

    cpu = time.process_time()
    started = time.perf_counter()
    size = 0
    for block in merged_ndjson(chunks):
        size += len(block)
        if digest is not None:
            digest.update(block)
    return time.perf_counter() - started, time.process_time() - cpu, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layout", choices=(*LAYOUTS, "all"), default="all")
    parser.add_argument("--mb", type=float, default=150.0, help="NDJSON size, in MB (10^6 B)")
    parser.add_argument("--chunks", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    layouts = LAYOUTS if args.layout == "all" else (args.layout,)
    ok = True
    for layout in layouts:
        t0 = time.perf_counter()
        built = build_replay(target_bytes=int(args.mb * 1e6), chunks=args.chunks, layout=layout)
        print(
            f"{layout}: {len(built.chunks)} chunks, {built.events:,} events, "
            f"{built.ndjson_bytes / 1e6:.1f} MB NDJSON, {built.gzip_bytes / 1e6:.1f} MB gzipped "
            f"(built in {time.perf_counter() - t0:.1f} s)"
        )
        with tempfile.TemporaryDirectory(prefix="oakdash-bench-") as tmp:
            paths = []
            for index, data in enumerate(built.chunks):
                path = os.path.join(tmp, f"chunk-{index:04d}.ndjson.gz")
                Path(path).write_bytes(data)
                paths.append(path)
            gzip_runs, merge_runs = [], []
            for _ in range(args.repeat):
                gzip_runs.append(time_gzip(paths))
                *seconds, size = time_merge(built.chunks)
                merge_runs.append(seconds)
                assert size == built.ndjson_bytes, (size, built.ndjson_bytes)
        mb = built.ndjson_bytes / 1e6
        for what, i in (("wall", 0), ("CPU ", 1)):
            g = min(run[i] for run in gzip_runs)
            m = min(run[i] for run in merge_runs)
            print(
                f"  {what}  gzip -dc {mb / g:5.0f} MB/s ({g:.3f} s)   merged_ndjson "
                f"{mb / m:5.0f} MB/s ({m:.3f} s)   ratio {g / m:.2f}x   [best of {args.repeat}]"
            )
        if not args.no_verify:
            digest = hashlib.sha256()
            time_merge(built.chunks, digest)
            same = digest.hexdigest() == reference_digest(built.chunks)
            ok &= same
            print(f"  output {'matches' if same else 'DIFFERS FROM'} the json+heapq reference")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
