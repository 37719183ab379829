"""axe-core on every page, light and dark: no serious or critical violation. Plus the keyboard:
every control reachable, with a visible focus."""

from __future__ import annotations

from pathlib import Path

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.upstream import get_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("still_demo_clock"),  # tests/conftest.py: the data holds still
]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"

# The serious and critical findings, one line each. Recorded pages inside the replay player's
# iframe are the recorded site's markup, not ours: axe looks at our document only.
RUN_AXE = """async () => {
    const result = await axe.run(document, {iframes: false, resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + " (" + v.impact + "): " + v.help + " — " +
             v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


def _ids() -> dict[str, str]:
    acme = get_api().for_key(ACME_SECRET_KEY)
    session = acme.sessions(range="7d", limit=10).sessions[0]
    replay = acme.replays(limit=1).replays[0]
    return {
        "session": session.session_id,
        "visitor": session.distinct_id,
        "replay": replay.id,
    }


PAGES = {
    "overview": lambda ids: "/?range=7d",
    "sessions": lambda ids: "/sessions/?range=7d&country=DE",
    "session": lambda ids: f"/sessions/{ids['session']}/",
    "visitor": lambda ids: "/visitors/a%2Fb/",
    "journey": lambda ids: "/journey/?range=7d",
    "live": lambda ids: "/live/",
    "events": lambda ids: "/events/?limit=50",
    "replays": lambda ids: "/replays/?limit=50",
    "replay": lambda ids: f"/replays/{ids['replay']}/",
    "settings": lambda ids: "/settings/",
    "shared-links": lambda ids: "/shared/",
    "login": lambda ids: "/accounts/login/",
    "not-found": lambda ids: "/sessions/no-such-session/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_has_a_serious_or_critical_axe_violation(open_page, user_a, scheme):
    ids = _ids()
    axe = AXE.read_text()
    found: dict[str, list[str]] = {}
    logged_in = open_page(user_a, color_scheme=scheme)
    logged_out = open_page(None, color_scheme=scheme)
    for name, url in PAGES.items():
        page = logged_out if name == "login" else logged_in
        page.goto(url(ids))
        page.wait_for_load_state("networkidle")
        page.evaluate(axe)  # via DevTools, so the page's CSP stays as it is
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[name] = violations
    assert found == {}


# Every control a person can use, and whether it shows where the keyboard is.
MARK_CONTROLS = """() => {
    const controls = [...document.querySelectorAll('a[href], button:not([disabled]), summary, ' +
        'select, input:not([type=hidden]), [tabindex="0"]')]
        .filter(el => el.checkVisibility({visibilityProperty: true}));
    controls.forEach((el, i) => el.setAttribute('data-kb', String(i)));
    return controls.length;
}"""
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    return [el.getAttribute('data-kb'), outline || style.boxShadow !== 'none'];
}"""


@pytest.mark.parametrize(
    "url", ["/?range=30d", "/sessions/?range=7d&country=DE", "/journey/?range=7d"]
)
def test_every_control_is_reached_by_tab_and_shows_its_focus(logged_in_page, url):
    page = logged_in_page
    page.goto(url)
    page.wait_for_load_state("networkidle")
    total = page.evaluate(MARK_CONTROLS)
    reached: set[str] = set()
    invisible: list[str] = []
    for _ in range(total + 5):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        index, visible = focused
        if index is not None:
            reached.add(index)
        if not visible:
            invisible.append(page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))
    missed = sorted({str(i) for i in range(total)} - reached, key=int)
    html = "e => e.outerHTML.slice(0, 160)"
    assert [page.locator(f'[data-kb="{i}"]').evaluate(html) for i in missed] == []
    assert invisible == []
