"""Deliberately awkward values planted in the demo data, exported so other tests can look for them.

They exist to test the dashboard's escaping and URL handling: markup and script in labels, paths,
traits and properties; right-to-left text and emoji; a 2,000-character path; ids that only survive
a round trip when percent-encoded. All of them show up in the default 7d window of project A (Acme):
in `/sessions` (the newest 50), in the `/overview` breakdowns, and at `/visitors/{id}`.
"""

from __future__ import annotations

HOSTILE_LABEL = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_URL = "javascript:alert(1)"
ARABIC_TEXT = "مرحبا بالعالم"
HEBREW_TEXT = "שלום עולם"
EMOJI_TEXT = "🚀 launch 🎉"

# Page paths (also `/journey` labels, `topPages` labels, event `pathname`s).
HOSTILE_PATH = "/search/" + HOSTILE_LABEL
RTL_PATH = "/ar/" + ARABIC_TEXT
EMOJI_PATH = "/products/🦊-plush"
LONG_PATH = ("/blog/" + "a-very-long-slug-" * 130)[:2000]
assert len(LONG_PATH) == 2000

# Referrers: `javascript:` as a referrer (and as a replay entry_url), an RTL domain.
HOSTILE_REFERRER = HOSTILE_URL
HOSTILE_REFERRING_DOMAIN = HOSTILE_URL
RTL_REFERRING_DOMAIN = "مثال.إختبار"

# UTM campaigns (topCampaigns labels).
HOSTILE_CAMPAIGN = HOSTILE_IMG
HEBREW_CAMPAIGN = "מבצע " + HEBREW_TEXT
EMOJI_CAMPAIGN = EMOJI_TEXT

# Cities (topCities labels).
ARABIC_CITY = "القاهرة"
HEBREW_CITY = "תל אביב"

# Visitor ids that need percent-encoding to travel in a URL path segment. Project A only.
# "a/b" is an identified user; "x@y.z" too; the others are anonymous ids.
HOSTILE_DISTINCT_IDS: tuple[str, ...] = ("a/b", "x@y.z", "ünï cødé #1?50%", "../live")
# Project B's own awkward ids (different, so a test can tell the projects apart).
GLOBEX_HOSTILE_DISTINCT_IDS: tuple[str, ...] = ("docs/reader?x=1", "עדי@globex.example")

# Traits set on the hostile visitors (through `$set` events).
HOSTILE_TRAITS: dict[str, object] = {
    "name": HOSTILE_IMG,
    "bio": HOSTILE_LABEL,
    "website": HOSTILE_URL,
    "greeting_ar": ARABIC_TEXT,
    "greeting_he": HEBREW_TEXT,
    "mood": "😀🔥",
    "nickname": None,
    "long_note": "x" * 2000,
}

__all__ = [
    "ARABIC_CITY",
    "ARABIC_TEXT",
    "EMOJI_CAMPAIGN",
    "EMOJI_PATH",
    "EMOJI_TEXT",
    "GLOBEX_HOSTILE_DISTINCT_IDS",
    "HEBREW_CAMPAIGN",
    "HEBREW_CITY",
    "HEBREW_TEXT",
    "HOSTILE_CAMPAIGN",
    "HOSTILE_DISTINCT_IDS",
    "HOSTILE_IMG",
    "HOSTILE_LABEL",
    "HOSTILE_PATH",
    "HOSTILE_REFERRER",
    "HOSTILE_REFERRING_DOMAIN",
    "HOSTILE_TRAITS",
    "HOSTILE_URL",
    "LONG_PATH",
    "RTL_PATH",
    "RTL_REFERRING_DOMAIN",
]
