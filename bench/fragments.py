"""How fast each way of building a table's rows is: the events list's 500 rows, three ways.

    .venv/bin/python bench/fragments.py            # ~20 s

* ``fragment`` — ``oakdash.dashboard.render`` as it is: markup constants with ``{}`` holes, every
  value escaped into its hole (``render/html.py``);
* ``Jinja2`` — the same rows as a Jinja2 template with autoescape on (markupsafe's escaping),
  compiled once, the shared cells (``{% cell %}``, ``{% when %}``, id links) passed as ``Html``.
  Its text differs: markupsafe writes ``"`` as ``&#34;`` and ``'`` as ``&#39;`` where Django (and
  so every template around these rows) writes ``&quot;`` and ``&#x27;``; Jinja2's compiled
  templates call markupsafe's ``escape`` directly, so that cannot be configured;
* ``f-string`` — what the builders were before: f-strings with ``html.escape`` around each value
  and ``mark_safe`` at the end (kept here as the reference; nothing enforced the escaping).

Each is checked to produce the same text first, then timed (best and median of 60
builds, the three interleaved). Not a CI test; figures move with the machine's load (printed).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROW_F = (
    '\n    <tr data-uuid="{uuid}">'
    '\n      <td class="nowrap c-time">{time}</td>'
    '\n      <td class="c-event"><code class="event-name"><bdi>{event}</bdi></code></td>'
    '\n      <td class="c-path">{path}</td>'
    '\n      <td class="c-visitor">{visitor}</td>'
    '\n      <td class="c-session">{session}</td>'
    '\n      <td class="device-cell c-device">{device}</td>'
    '\n      <td class="props-cell c-props">{props}</td>'
    "\n    </tr>\n    "
)
JINJA_ROWS = (
    "{% for r in rows %}"
    '\n    <tr data-uuid="{{ r.uuid }}">'
    '\n      <td class="nowrap c-time">{{ r.time }}</td>'
    '\n      <td class="c-event"><code class="event-name"><bdi>{{ r.event }}</bdi></code></td>'
    '\n      <td class="c-path">{{ r.path }}</td>'
    '\n      <td class="c-visitor">{{ r.visitor }}</td>'
    '\n      <td class="c-session">{{ r.session }}</td>'
    '\n      <td class="device-cell c-device">{{ r.device }}</td>'
    '\n      <td class="props-cell c-props">{% if r.props %}<details class="props"><summary>'
    "{{ r.props|length }} propert{{ 'y' if r.props|length == 1 else 'ies' }}</summary>"
    "<pre>{{ pretty_json(r.props) }}</pre></details>{% else %}{{ dash }}{% endif %}</td>"
    "\n    </tr>\n    {% endfor %}"
)


def setup() -> list:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oakdash.settings",
            "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "OAKDATA_API_URL": "demo",
            "DATABASE_URL": "sqlite://:memory:",
            "CACHE_URL": "locmem://",
        }
    )
    import django

    django.setup()
    from oakdash.demo import get_demo_app
    from oakdash.demo.projects import ACME_SECRET_KEY
    from oakdash.upstream import get_api

    get_demo_app().warm()
    return list(get_api().for_key(ACME_SECRET_KEY).events(limit=500).rows)


def shared_cells(events: list, project: str) -> list[dict]:
    """What all three share (the cell/time/link pieces of ``render.cells``), built per row as
    ``event_rows`` does: the comparison is about putting a row together."""
    from oakdash.dashboard.render.cells import DOT, MUTED_DASH, CellCache, Clock, IdLinks
    from oakdash.dashboard.render.html import join

    clock, cell = Clock(), CellCache()
    visitor_url, session_url = IdLinks("visitor", project), IdLinks("session", project)
    rows = []
    for e in events:
        device = join(
            [
                cell(e.browser),
                DOT,
                cell(e.os),
                DOT,
                cell(e.device_type),
                Html_br,
                cell(e.country, "country"),
            ]
        )
        rows.append(
            {
                "uuid": e.uuid or "",
                "time": clock.when(e.timestamp),
                "event": e.event,
                "path": cell(e.pathname),
                "visitor": visitor_url.anchor(e.distinct_id, cell) if e.distinct_id else MUTED_DASH,
                "session": session_url.anchor(e.session_id, cell) if e.session_id else MUTED_DASH,
                "device": device,
                "props": e.properties,
            }
        )
    return rows


def by_fstring(rows: list[dict]) -> str:
    from django.utils.safestring import mark_safe  # noqa: TID251 - the old way, for reference

    from oakdash.dashboard.render.cells import MUTED_DASH, pretty_json

    out = []
    for r in rows:
        props = r["props"]
        if props:
            n = len(props)
            shown = (
                f'<details class="props"><summary>{n} propert{"y" if n == 1 else "ies"}'
                f"</summary><pre>{escape(pretty_json(props))}</pre></details>"
            )
        else:
            shown = MUTED_DASH
        out.append(
            ROW_F.format(
                uuid=escape(r["uuid"]),
                time=r["time"],
                event=escape(r["event"]),
                path=r["path"],
                visitor=r["visitor"],
                session=r["session"],
                device=r["device"],
                props=shown,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - the old way, for reference


def by_fragment(rows: list[dict]) -> str:
    from oakdash.dashboard.render.event_rows import _ROW, properties_cell
    from oakdash.dashboard.render.html import join

    return join(
        _ROW(
            r["uuid"],
            r["time"],
            r["event"],
            r["path"],
            r["visitor"],
            r["session"],
            r["device"],
            properties_cell(r["props"]),
        )
        for r in rows
    )


def jinja_renderer():
    import jinja2

    from oakdash.dashboard.render.cells import MUTED_DASH, pretty_json

    env = jinja2.Environment(autoescape=True)
    template = env.from_string(JINJA_ROWS)
    return lambda rows: template.render(rows=rows, pretty_json=pretty_json, dash=MUTED_DASH)


def timed(build, rows: list[dict]) -> tuple[float, float]:
    runs = []
    for _ in range(60):
        start = time.perf_counter()
        build(rows)
        runs.append((time.perf_counter() - start) * 1000)
    return min(runs), statistics.median(runs)


Html_br = None


def main() -> None:
    global Html_br
    events = setup()
    from oakdash.dashboard.render.html import Html

    Html_br = Html("<br>")
    rows = shared_cells(events, "acme-shop")
    builders = {"fragment": by_fragment, "Jinja2": jinja_renderer(), "f-string": by_fstring}
    reference = by_fstring(rows)
    for name, build in builders.items():
        built = str(build(rows))
        if name == "Jinja2":  # markupsafe spells two entities its own way (see the docstring)
            built = built.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
        assert built == reference, f"{name} builds other markup"
    print(f"{len(rows)} event rows; load average {os.getloadavg()[0]:.1f}")
    print(f"{'builder':<10} {'best ms':>8} {'median ms':>10}")
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in builders}
    for _ in range(3):  # interleaved: a load spike hits all three
        for name, build in builders.items():
            figures[name].append(timed(build, rows))
    for name, runs in figures.items():
        best = min(b for b, _ in runs)
        median = statistics.median(m for _, m in runs)
        print(f"{name:<10} {best:8.2f} {median:10.2f}")


if __name__ == "__main__":
    main()
