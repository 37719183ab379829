"""The demo projects: their keys and the shape of their (generated) traffic.

Two projects with visibly different sites, so a test can tell them apart and check that a key for
one never reads the other: "Acme Shop" (an online shop, evening and weekend traffic, anonymous-ish
shoppers) and "Globex Docs" (developer docs, office-hours weekday traffic, e-mail user ids).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import hostile as h

# Demo keys, public by design: they only unlock generated data.
ACME_SECRET_KEY = "oak_sec_acmedemo000000000000a1b2"  # noqa: S105
# A second secret key of the same project (a rotated or per-team key): reads exactly what the
# first one reads. Tests use it for "this key belongs to Acme Shop".
ACME_SECOND_SECRET_KEY = "oak_sec_acmedemo000000000000e5f6"  # noqa: S105
ACME_PUBLIC_KEY = "oak_pub_acmedemo000000000000a1b2"
GLOBEX_SECRET_KEY = "oak_sec_globexdemo0000000000c3d4"  # noqa: S105
GLOBEX_PUBLIC_KEY = "oak_pub_globexdemo0000000000c3d4"

UTM = tuple[
    str | None, str | None, str | None, str | None, str | None
]  # source medium campaign term content


@dataclass(frozen=True)
class Source:
    """Where a session came from: a referrer and/or UTM tags, and where such visits land."""

    referrer: str | None
    referring_domain: str | None
    utm: UTM | None
    landing: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class Project:
    key: str  # short slug, also used in storage paths
    name: str
    secret_key: str
    public_key: str
    site: str  # origin of the tracked site; $current_url = site + path
    titles: dict[str, str]
    entry: tuple[tuple[str, float], ...]  # entry pages of direct visits
    links: dict[str, tuple[tuple[str | None, float], ...]]  # path -> next path (None = exit)
    sources: tuple[Source, ...]
    geo: tuple[tuple[str | None, str | None, float], ...]  # country, city, weight
    devices: tuple[tuple[str | None, str | None, str | None, float], ...]  # browser, os, type, w
    bots: tuple[tuple[str, str | None, str | None, float], ...]  # bot name, country, city, weight
    custom: dict[str, tuple[tuple[str, float], ...]]  # path -> (custom event, probability)
    clicks: tuple[tuple[str, str], ...]  # (tag, text) for $autocapture
    server_events: tuple[str, ...]  # events sent from a backend: no pathname, no device
    daily_weekday: int
    daily_weekend: int
    hourly: tuple[float, ...]  # 24 UTC hour weights
    identify_rate: float
    companies: tuple[str, ...]
    plans: tuple[str, ...]
    hostile_ids: tuple[str, ...]
    id_style: str  # "acme": anon_<hex> / user_<n>; "globex": uuid-ish / e-mail
    other_secret_keys: tuple[str, ...] = ()  # more keys that read this project

    @property
    def secret_keys(self) -> tuple[str, ...]:
        return (self.secret_key, *self.other_secret_keys)


_ACME_LINKS: dict[str, tuple[tuple[str | None, float], ...]] = {
    "/": (("/products", 5), ("/sale", 2), ("/search", 1.5), ("/about", 0.5), (None, 3)),
    "/products": (
        ("/products/oak-desk", 3),
        ("/products/walnut-chair", 2.5),
        ("/products/linen-lamp", 2),
        (h.EMOJI_PATH, 0.6),
        (None, 2.5),
    ),
    "/sale": (("/products/walnut-chair", 3), ("/products/linen-lamp", 2), (None, 3)),
    "/search": (("/products/oak-desk", 2), ("/products/linen-lamp", 1), (None, 2)),
    "/products/oak-desk": (("/cart", 3), ("/products", 2), (None, 3)),
    "/products/walnut-chair": (("/cart", 2.5), ("/products", 2), (None, 3)),
    "/products/linen-lamp": (("/cart", 2), ("/products", 2), (None, 3)),
    h.EMOJI_PATH: (("/cart", 1), (None, 2)),
    "/cart": (("/checkout", 4), ("/products", 1), (None, 2)),
    "/checkout": (("/checkout/success", 3), ("/signup", 1), (None, 2)),
    "/checkout/success": (("/account", 1), (None, 4)),
    "/signup": (("/account", 3), (None, 1)),
    "/login": (("/account", 4), (None, 1)),
    "/account": (("/products", 1), (None, 3)),
    "/about": (("/blog/how-we-source-oak", 1), (None, 2)),
    "/blog/how-we-source-oak": (("/products/oak-desk", 2), (None, 3)),
    h.LONG_PATH: (("/", 1), (None, 2)),
    h.HOSTILE_PATH: (("/products", 1), (None, 2)),
    h.RTL_PATH: (("/products", 1), (None, 2)),
}

_GLOBEX_LINKS: dict[str, tuple[tuple[str | None, float], ...]] = {
    "/": (("/docs", 5), ("/pricing", 2), ("/blog/release-notes-2-0", 1), (None, 2)),
    "/docs": (("/docs/getting-started", 5), ("/docs/api/authentication", 2), (None, 2)),
    "/docs/getting-started": (("/docs/install", 4), ("/docs/sdk/python", 2), (None, 2)),
    "/docs/install": (("/docs/sdk/python", 3), ("/docs/sdk/javascript", 3), (None, 2)),
    "/docs/sdk/python": (("/docs/api/events", 3), ("/docs/api/authentication", 1), (None, 3)),
    "/docs/sdk/javascript": (("/docs/api/events", 3), (None, 3)),
    "/docs/api/authentication": (("/docs/api/events", 2), ("/signup", 1), (None, 3)),
    "/docs/api/events": (("/docs/api/authentication", 1), ("/changelog", 1), (None, 4)),
    "/pricing": (("/signup", 3), ("/docs", 1), (None, 3)),
    "/signup": (("/docs/getting-started", 3), (None, 1)),
    "/login": (("/docs", 3), (None, 1)),
    "/blog/release-notes-2-0": (("/changelog", 2), ("/docs", 1), (None, 3)),
    "/changelog": (("/docs", 1), (None, 3)),
    "/search": (("/docs/api/events", 2), ("/docs/install", 2), (None, 2)),
    h.HOSTILE_PATH: (("/docs", 1), (None, 2)),
    h.RTL_PATH: (("/docs", 1), (None, 2)),
    h.LONG_PATH: (("/docs", 1), (None, 2)),
}

_DEVICES_COMMON: tuple[tuple[str | None, str | None, str | None, float], ...] = (
    ("Chrome", "Windows", "Desktop", 24),
    ("Chrome", "macOS", "Desktop", 12),
    ("Safari", "macOS", "Desktop", 8),
    ("Edge", "Windows", "Desktop", 6),
    ("Firefox", "Linux", "Desktop", 4),
    ("Firefox", "Windows", "Desktop", 3),
    ("Safari", "iOS", "Mobile", 16),
    ("Chrome", "Android", "Mobile", 14),
    ("Samsung Internet", "Android", "Mobile", 3),
    ("Safari", "iPadOS", "Tablet", 3),
    ("Firefox", None, "Desktop", 0.6),  # a UA we could only half parse
    (None, None, None, 0.8),  # an unparseable user agent
)

_GEO_COMMON: tuple[tuple[str | None, str | None, float], ...] = (
    ("US", "New York", 10),
    ("US", "San Francisco", 7),
    ("US", "Chicago", 4),
    ("GB", "London", 8),
    ("DE", "Berlin", 6),
    ("DE", "Munich", 3),
    ("FR", "Paris", 5),
    ("NL", "Amsterdam", 3),
    ("IN", "Bengaluru", 5),
    ("BR", "São Paulo", 3),
    ("JP", "Tokyo", 3),
    ("CA", "Toronto", 3),
    ("EG", h.ARABIC_CITY, 1.5),
    ("IL", h.HEBREW_CITY, 1.5),
    ("AE", "دبي", 1),
    ("PL", "Kraków", 1.5),
    ("SE", None, 1),  # country known, city not
    (None, None, 1),  # no geo at all (a private address)
)

_BOTS: tuple[tuple[str, str | None, str | None, float], ...] = (
    ("Googlebot", "US", "Mountain View", 10),
    ("bingbot", "US", "Redmond", 5),
    ("AhrefsBot", "SG", "Singapore", 4),
    ("SemrushBot", "US", "Ashburn", 3),
    ("YandexBot", "RU", "Moscow", 2),
    ("DuckDuckBot", "US", None, 1.5),
    ("GPTBot", "US", "Des Moines", 2),
    ("facebookexternalhit", None, None, 1),
)

# Hour weights in UTC. Acme: shoppers in Europe and the Americas, busiest in the evening.
_ACME_HOURLY = (
    3,
    2,
    1.6,
    1.3,
    1.2,
    1.3,
    2,
    3,
    4,
    5,
    5.5,
    6,
    6.5,
    6.5,
    6.5,
    7,
    7.5,
    8.5,
    10,
    11,
    11,
    9.5,
    7,
    4.5,
)
# Globex: developers in office hours (Europe, then the US East coast).
_GLOBEX_HOURLY = (
    1.2,
    1,
    1,
    1,
    1.2,
    1.6,
    3,
    5.5,
    8,
    10,
    10.5,
    10,
    9,
    10,
    11,
    11,
    10,
    8.5,
    6.5,
    4.5,
    3,
    2.2,
    1.8,
    1.4,
)

ACME = Project(
    key="acme",
    name="Acme Shop",
    secret_key=ACME_SECRET_KEY,
    public_key=ACME_PUBLIC_KEY,
    site="https://shop.acme.test",
    titles={
        "/": "Acme — furniture that lasts",
        "/products": "All products · Acme",
        "/sale": "Autumn sale · Acme",
        "/search": "Search · Acme",
        "/products/oak-desk": "Oak desk · Acme",
        "/products/walnut-chair": "Walnut chair · Acme",
        "/products/linen-lamp": "Linen lamp · Acme",
        h.EMOJI_PATH: "🦊 Fox plush · Acme",
        "/cart": "Your cart · Acme",
        "/checkout": "Checkout · Acme",
        "/checkout/success": "Thank you! · Acme",
        "/signup": "Create an account · Acme",
        "/login": "Log in · Acme",
        "/account": "Your account · Acme",
        "/about": "About us · Acme",
        "/blog/how-we-source-oak": "How we source oak · Acme",
        h.HOSTILE_PATH: h.HOSTILE_LABEL,
        h.RTL_PATH: h.ARABIC_TEXT,
        h.LONG_PATH: "A very long slug",
    },
    entry=(("/", 10), ("/products", 3), ("/sale", 2), ("/login", 1), ("/account", 1)),
    links=_ACME_LINKS,
    sources=(
        Source(None, None, None, (), 30),
        Source("https://www.google.com/", "www.google.com", None, ("/products/oak-desk", "/"), 22),
        Source("https://www.bing.com/", "www.bing.com", None, ("/",), 4),
        Source("https://duckduckgo.com/", "duckduckgo.com", None, ("/",), 3),
        Source("https://l.instagram.com/", "l.instagram.com", None, ("/sale",), 5),
        Source(
            "https://www.pinterest.com/", "www.pinterest.com", None, ("/products/linen-lamp",), 4
        ),
        Source(
            "https://www.reddit.com/r/woodworking/",
            "www.reddit.com",
            None,
            ("/blog/how-we-source-oak",),
            2,
        ),
        Source(
            "https://www.google.com/",
            "www.google.com",
            ("google", "cpc", "black-friday-2026", "oak desk", "ad-variant-b"),
            ("/sale",),
            8,
        ),
        Source(
            None,
            None,
            ("newsletter", "email", "weekly-picks", None, "hero-button"),
            ("/products",),
            6,
        ),
        Source(
            "https://l.instagram.com/",
            "l.instagram.com",
            ("instagram", "social", "autumn-lookbook", None, None),
            ("/sale",),
            4,
        ),
        Source(
            None,
            None,
            ("partner", "affiliate", h.HOSTILE_CAMPAIGN, h.HOSTILE_LABEL, None),
            ("/",),
            0.8,
        ),
        Source(
            None, None, ("newsletter", "email", h.HEBREW_CAMPAIGN, None, None), (h.RTL_PATH,), 0.6
        ),
        Source(
            "https://t.co/",
            "t.co",
            ("twitter", "social", h.EMOJI_CAMPAIGN, None, "🎉"),
            ("/",),
            0.8,
        ),
        Source(h.HOSTILE_REFERRER, h.HOSTILE_REFERRING_DOMAIN, None, (h.HOSTILE_PATH,), 0.5),
        Source(
            "https://" + h.RTL_REFERRING_DOMAIN + "/",
            h.RTL_REFERRING_DOMAIN,
            None,
            (h.RTL_PATH,),
            0.5,
        ),
    ),
    geo=_GEO_COMMON,
    devices=_DEVICES_COMMON,
    bots=_BOTS,
    custom={
        "/products/oak-desk": (("add_to_cart", 0.3), ("product_viewed", 0.6)),
        "/products/walnut-chair": (("add_to_cart", 0.25), ("product_viewed", 0.6)),
        "/products/linen-lamp": (("add_to_cart", 0.25), ("product_viewed", 0.6)),
        h.EMOJI_PATH: (("add_to_cart", 0.3),),
        "/checkout": (("checkout_started", 0.9),),
        "/checkout/success": (("purchase", 1.0),),
        "/search": (("search", 0.9),),
        h.HOSTILE_PATH: (("search", 1.0),),
    },
    clicks=(
        ("button", "Add to cart"),
        ("a", "View details"),
        ("button", "Checkout"),
        ("a", "Sale"),
        ("button", h.HOSTILE_IMG),
        ("span", "ملابس 👗"),
    ),
    server_events=("order_shipped", "refund_issued", "stock_low"),
    daily_weekday=170,
    daily_weekend=230,
    hourly=_ACME_HOURLY,
    identify_rate=0.3,
    companies=(
        "Initech",
        "Umbrella Corp",
        "Stark Industries",
        "Wayne Enterprises",
        h.HOSTILE_LABEL,
    ),
    plans=("free", "plus", "pro"),
    hostile_ids=h.HOSTILE_DISTINCT_IDS,
    id_style="acme",
    other_secret_keys=(ACME_SECOND_SECRET_KEY,),
)

GLOBEX = Project(
    key="globex",
    name="Globex Docs",
    secret_key=GLOBEX_SECRET_KEY,
    public_key=GLOBEX_PUBLIC_KEY,
    site="https://docs.globex.test",
    titles={
        "/": "Globex — event APIs for builders",
        "/docs": "Documentation · Globex",
        "/docs/getting-started": "Getting started · Globex Docs",
        "/docs/install": "Install · Globex Docs",
        "/docs/sdk/python": "Python SDK · Globex Docs",
        "/docs/sdk/javascript": "JavaScript SDK · Globex Docs",
        "/docs/api/authentication": "Authentication · Globex API",
        "/docs/api/events": "Events · Globex API",
        "/pricing": "Pricing · Globex",
        "/signup": "Sign up · Globex",
        "/login": "Log in · Globex",
        "/blog/release-notes-2-0": "Release notes 2.0 · Globex",
        "/changelog": "Changelog · Globex",
        "/search": "Search · Globex Docs",
        h.HOSTILE_PATH: h.HOSTILE_LABEL,
        h.RTL_PATH: h.HEBREW_TEXT,
        h.LONG_PATH: "A very long slug",
    },
    entry=(("/", 6), ("/docs", 6), ("/docs/getting-started", 3), ("/login", 2), ("/search", 1)),
    links=_GLOBEX_LINKS,
    sources=(
        Source(None, None, None, (), 25),
        Source(
            "https://www.google.com/",
            "www.google.com",
            None,
            ("/docs/install", "/docs/api/events"),
            25,
        ),
        Source(
            "https://github.com/globex/sdk-python", "github.com", None, ("/docs/sdk/python",), 10
        ),
        Source(
            "https://stackoverflow.com/questions/1",
            "stackoverflow.com",
            None,
            ("/docs/api/authentication",),
            6,
        ),
        Source(
            "https://news.ycombinator.com/",
            "news.ycombinator.com",
            None,
            ("/blog/release-notes-2-0",),
            4,
        ),
        Source("https://dev.to/", "dev.to", None, ("/docs/getting-started",), 3),
        Source(None, None, ("github", "referral", "readme-badge", None, None), ("/docs",), 5),
        Source(
            None, None, ("newsletter", "email", "changelog-2-0", None, "footer"), ("/changelog",), 4
        ),
        Source(
            "https://www.google.com/",
            "www.google.com",
            ("google", "cpc", "docs-search", "event api", None),
            ("/pricing",),
            5,
        ),
        Source(
            "https://news.ycombinator.com/",
            "news.ycombinator.com",
            ("hn", "social", "show-hn", None, None),
            ("/",),
            2,
        ),
        Source(
            None,
            None,
            ("partner", "affiliate", h.HOSTILE_CAMPAIGN, None, h.HOSTILE_LABEL),
            ("/docs",),
            0.8,
        ),
        Source(
            None, None, ("newsletter", "email", h.HEBREW_CAMPAIGN, None, None), (h.RTL_PATH,), 0.5
        ),
        Source(h.HOSTILE_REFERRER, h.HOSTILE_REFERRING_DOMAIN, None, (h.HOSTILE_PATH,), 0.5),
        Source(
            "https://" + h.RTL_REFERRING_DOMAIN + "/",
            h.RTL_REFERRING_DOMAIN,
            None,
            (h.LONG_PATH,),
            0.5,
        ),
    ),
    geo=_GEO_COMMON,
    devices=(
        ("Chrome", "macOS", "Desktop", 24),
        ("Chrome", "Windows", "Desktop", 14),
        ("Firefox", "Linux", "Desktop", 12),
        ("Chrome", "Linux", "Desktop", 8),
        ("Safari", "macOS", "Desktop", 8),
        ("Edge", "Windows", "Desktop", 4),
        ("Safari", "iOS", "Mobile", 4),
        ("Chrome", "Android", "Mobile", 3),
        ("Arc", "macOS", "Desktop", 2),
        (None, None, None, 0.8),
    ),
    bots=_BOTS,
    custom={
        "/docs/install": (("copy_code_snippet", 0.5),),
        "/docs/sdk/python": (("copy_code_snippet", 0.5), ("docs_feedback", 0.15)),
        "/docs/sdk/javascript": (("copy_code_snippet", 0.5),),
        "/docs/api/events": (("copy_code_snippet", 0.3), ("docs_feedback", 0.2)),
        "/docs/api/authentication": (("api_key_created", 0.2),),
        "/search": (("search", 0.9),),
        h.HOSTILE_PATH: (("search", 1.0),),
        "/pricing": (("plan_selected", 0.3),),
    },
    clicks=(
        ("a", "Next page →"),
        ("button", "Copy"),
        ("a", "Edit this page"),
        ("button", "Was this helpful?"),
        ("code", h.HOSTILE_LABEL),
        ("a", "עברית"),
    ),
    server_events=("api_request", "webhook_delivered", "quota_warning"),
    daily_weekday=120,
    daily_weekend=50,
    hourly=_GLOBEX_HOURLY,
    identify_rate=0.5,
    companies=("Initrode", "Hooli", "Pied Piper", "Vandelay Industries", "شركة الأمل"),
    plans=("hobby", "team", "enterprise"),
    hostile_ids=h.GLOBEX_HOSTILE_DISTINCT_IDS,
    id_style="globex",
)

DEMO_PROJECTS: tuple[Project, ...] = (ACME, GLOBEX)
PROJECTS_BY_KEY: dict[str, Project] = {p.key: p for p in DEMO_PROJECTS}
PROJECTS_BY_SECRET: dict[str, Project] = {k: p for p in DEMO_PROJECTS for k in p.secret_keys}


def project_for(key_or_slug: str) -> Project:
    """A project by its slug ("acme", "globex") or its secret key."""
    project = PROJECTS_BY_KEY.get(key_or_slug) or PROJECTS_BY_SECRET.get(key_or_slug)
    if project is None:
        raise KeyError(f"no demo project {key_or_slug!r}")
    return project
