"""Deterministic traffic generator: one UTC day of sessions at a time.

Why per day, in absolute time: a day's sessions depend only on (seed, project, day), so the data is
the same for the same seed whatever the clock says, consecutive hours and minutes share almost all
of it (a moving clock only reveals more), and only a new day ever needs generating. What the API
shows is then a *view* of these days as of the current minute (`dataset.py`): events in the future
are hidden, which is also what makes live sessions come and go.

Visitors are born on a day (their first, attributed, visit) and come back on later days; the ones
who sign up do so at a fixed instant (`signup_ms`), so whether any session is anonymous or
identified is decided without looking at other days. Events are stored as compact tuples; their
`properties` dicts are rendered only for rows that are actually served (`rows.py`).
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from . import hostile as h
from .projects import Project, Source
from .timeutil import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS

# (timestamp_ms, event name, pathname | None, extra, distinct_id). `extra` is what `rows.py` needs
# to render the properties: the pageview index, an (tag, text) click, or a ready dict.
Event = tuple[int, str, "str | None", Any, str]

RECORDINGS = ("todomvc", "mdn-bears", "rrweb-form")
_LONG_EVERY = 15 * MINUTE_MS
_LONG_SLOTS = DAY_MS // _LONG_EVERY
_HOSTILE_EVERY = 30

_FIRST_NAMES = ("Maria", "James", "Zoë", "José", "Łukasz", "Aiko", "محمد", "יעל", "Priya", "Chen")
_LAST_NAMES = ("Garcia", "Smith", "Müller", "O'Brien", "Nowak", "Tanaka", "Haddad", "Levi", "Rao")


@dataclass(slots=True)
class Person:
    pid: str  # stable key for the person behind both ids
    anon_id: str
    user_id: str | None
    signup_ms: int | None  # when `$identify` happens; None: never (in our window)
    first_ms: int
    country: str | None
    city: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    source: Source | None
    name: str | None = None
    email: str | None = None
    plan: str | None = None
    company: str | None = None
    is_bot: bool = False
    bot_name: str | None = None
    hostile: bool = False


@dataclass(slots=True)
class ReplayMeta:
    id: str
    recording: str  # which fixture recording
    entry_url: str | None
    has_errors: bool


@dataclass(slots=True)
class Session:
    sid: str
    person: Person
    distinct_id: str  # final id of the session: user id once identified, else anonymous id
    start_ms: int
    end_ms: int
    events: list[Event]
    referrer: str | None
    referring_domain: str | None
    utm: tuple[str | None, ...] | None
    pageviews: int
    entry_path: str | None
    exit_path: str | None
    country: str | None
    city: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    is_bot: bool
    bot_name: str | None
    kind: str
    replay: ReplayMeta | None = None

    @property
    def paths(self) -> list[str]:
        return [e[2] for e in self.events if e[1] == "$pageview" and e[2] is not None]

    def truncated(self, cutoff: int) -> Session | None:
        """This session as seen at `cutoff` (events after it have not happened yet)."""
        if self.end_ms <= cutoff:
            return self
        visible = [e for e in self.events if e[0] <= cutoff]
        if not visible:
            return None
        views = [e[2] for e in visible if e[1] == "$pageview"]
        return Session(
            sid=self.sid,
            person=self.person,
            distinct_id=visible[-1][4],
            start_ms=self.start_ms,
            end_ms=visible[-1][0],
            events=visible,
            referrer=self.referrer,
            referring_domain=self.referring_domain,
            utm=self.utm,
            pageviews=len(views),
            entry_path=views[0] if views else None,
            exit_path=views[-1] if views else None,
            country=self.country,
            city=self.city,
            browser=self.browser,
            os=self.os,
            device_type=self.device_type,
            is_bot=self.is_bot,
            bot_name=self.bot_name,
            kind=self.kind,
            replay=self.replay,
        )


def _cum(weights: Any) -> list[float]:
    return list(itertools.accumulate(weights))


# `random.Random.choices/randrange/choice` are pure Python and dominate generation time; these
# do the same job from one C-level `random()` call each (determinism only needs *a* fixed rule).
def _pick(rng: random.Random, items: Any, cw: list[float]) -> Any:
    return items[bisect.bisect(cw, rng.random() * cw[-1])]


def _between(rng: random.Random, low: int, high: int) -> int:
    """An int in [low, high)."""
    return low + int(rng.random() * (high - low))


def _one(rng: random.Random, items: Any) -> Any:
    return items[int(rng.random() * len(items))]


class Generator:
    """Sessions of one project for one seed, generated a day at a time and cached."""

    def __init__(self, project: Project, seed: int) -> None:
        self.project = project
        self.seed = seed
        self._days: dict[int, list[Session]] = {}
        self._cohorts: dict[int, list[Person]] = {}
        self._plans: dict[int, tuple[int, int, int, int]] = {}
        self._lock = threading.RLock()
        p = project
        self._hour_cw = _cum(p.hourly)
        self._geo = [(c, city) for c, city, _ in p.geo]
        self._geo_cw = _cum(w for *_, w in p.geo)
        self._dev = [d[:3] for d in p.devices]
        self._dev_cw = _cum(d[3] for d in p.devices)
        self._src_cw = _cum(s.weight for s in p.sources)
        self._bots = [b[:3] for b in p.bots]
        self._bot_cw = _cum(b[3] for b in p.bots)
        self._entries = [e for e, _ in p.entry]
        self._entry_cw = _cum(w for _, w in p.entry)
        self._links = {
            path: ([n for n, _ in opts], _cum(w for _, w in opts)) for path, opts in p.links.items()
        }
        self._pages = sorted(p.titles)
        self._human_pages = [x for x in self._pages if x not in (h.LONG_PATH, h.HOSTILE_PATH)]
        self._hostile = [self._hostile_person(i, hid) for i, hid in enumerate(p.hostile_ids)]

    # --- randomness ----------------------------------------------------------------------------

    def _rng(self, *parts: object) -> random.Random:
        # String seeds are hashed with SHA-512 by `random`: stable across runs and platforms.
        return random.Random("|".join(map(str, (self.seed, self.project.key, *parts))))

    def _tod(self, rng: random.Random) -> int:
        hour = _pick(rng, range(24), self._hour_cw)
        return hour * HOUR_MS + _between(rng, 0, HOUR_MS)

    # --- the day plan and the people -------------------------------------------------------------

    def plan(self, day: int) -> tuple[int, int, int, int]:
        """(new visitors, returning sessions, bot sessions, server sessions) for a day."""
        cached = self._plans.get(day)
        if cached is not None:
            return cached
        rng = self._rng("plan", day)
        weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
        base = self.project.daily_weekend if weekend else self.project.daily_weekday
        total = int(base * rng.uniform(0.85, 1.15))
        n_new = int(total * 0.42)
        n_bots = int(total * 0.07)
        n_server = max(1, int(total * 0.02))
        plan = (n_new, total - n_new - n_bots - n_server, n_bots, n_server)
        self._plans[day] = plan
        return plan

    def person(self, day: int, j: int) -> Person:
        return self.cohort(day)[j]

    def cohort(self, day: int) -> list[Person]:
        """Everyone whose first visit is on `day` (created together: cheaper than one by one)."""
        cached = self._cohorts.get(day)
        if cached is None:
            cached = [self._make_person(day, j) for j in range(self.plan(day)[0])]
            with self._lock:
                self._cohorts[day] = cached
        return cached

    def _make_person(self, day: int, j: int) -> Person:
        p = self.project
        rng = self._rng("person", day, j)
        first_ms = day * DAY_MS + self._tod(rng)
        country, city = _pick(rng, self._geo, self._geo_cw)
        browser, os_, device = _pick(rng, self._dev, self._dev_cw)
        source = _pick(rng, p.sources, self._src_cw)
        first, last = _one(rng, _FIRST_NAMES), _one(rng, _LAST_NAMES)
        company = _one(rng, p.companies) if rng.random() < 0.6 else None
        if p.id_style == "acme":
            anon_id = f"anon_{rng.getrandbits(64):016x}"
            user_id = f"user_{day * 10_000 + j}"
            email = f"{first.lower()}.{j}@example.com"
        else:
            anon_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            domain = (company or "gmail").lower().replace(" ", "") + ".example"
            user_id = f"{first.lower()}.{last.lower()}+{day}-{j}@{domain}"
            email = user_id
        signup_ms = None
        if rng.random() < p.identify_rate:
            signup_ms = first_ms + _between(rng, 30 * MINUTE_MS, 6 * DAY_MS)
        person = Person(
            pid=anon_id,
            anon_id=anon_id,
            user_id=user_id if signup_ms is not None else None,
            signup_ms=signup_ms,
            first_ms=first_ms,
            country=country,
            city=city,
            browser=browser,
            os=os_,
            device_type=device,
            source=source,
            name=f"{first} {last}",
            email=email,
            plan=_one(rng, p.plans),
            company=company,
        )
        return person

    def _hostile_person(self, idx: int, distinct_id: str) -> Person:
        # The first two hostile ids are identified users (signed up long ago), the rest anonymous.
        identified = idx < 2
        return Person(
            pid=f"hostile-{idx}",
            anon_id=f"anon_hostile_{idx}" if identified else distinct_id,
            user_id=distinct_id if identified else None,
            signup_ms=0 if identified else None,
            first_ms=0,
            country=("EG", "IL", None, "US")[idx % 4],
            city=(h.ARABIC_CITY, h.HEBREW_CITY, None, "New York")[idx % 4],
            browser=("Chrome", "Firefox", None, "Safari")[idx % 4],
            os=("Windows", "Linux", None, "macOS")[idx % 4],
            device_type=("Desktop", "Desktop", None, "Desktop")[idx % 4],
            source=None,
            name=h.HOSTILE_IMG,
            company=h.HOSTILE_LABEL,
            plan="pro",
            hostile=True,
        )

    def _bot(self, rng: random.Random) -> Person:
        name, country, city = _pick(rng, self._bots, self._bot_cw)
        k = _between(rng, 0, 4)
        bot_id = f"bot:{name.lower()}:{self.project.key}-{k}"  # per project: ids never cross
        return Person(
            pid=bot_id,
            anon_id=bot_id,
            user_id=None,
            signup_ms=None,
            first_ms=0,
            country=country,
            city=city,
            browser=None,
            os=None,
            device_type=None,
            source=None,
            is_bot=True,
            bot_name=name,
        )

    def _returning(self, rng: random.Random, day: int) -> Person | None:
        back = 1 + min(int(rng.expovariate(1 / 8)), 59)
        n_new = self.plan(day - back)[0]
        if n_new == 0:
            return None
        return self.person(day - back, _between(rng, 0, n_new))

    def forget_before(self, day: int) -> None:
        with self._lock:
            for d in [d for d in self._days if d < day]:
                del self._days[d]
            for d in [d for d in self._cohorts if d < day - 70]:
                del self._cohorts[d]

    # --- one day ---------------------------------------------------------------------------------

    def day(self, day: int) -> list[Session]:
        cached = self._days.get(day)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._days.get(day)
            if cached is None:
                cached = self._generate_day(day)
                self._days[day] = cached
            return cached

    def _generate_day(self, day: int) -> list[Session]:
        rng = self._rng("day", day)
        n_new, n_ret, n_bots, n_server = self.plan(day)
        d0 = day * DAY_MS
        out: list[Session] = []
        # First visits: attributed to the visitor's acquisition source.
        for j in range(n_new):
            person = self.person(day, j)
            out.append(self._human(rng, person, person.first_ms, person.source, "first"))
        # Sign-ups of visitors born in the last week: the session in which `$identify` happens.
        for born in range(day - 7, day + 1):
            for person in self.cohort(born):
                if person.signup_ms is not None and person.signup_ms // DAY_MS == day:
                    start = max(person.signup_ms - _between(rng, 40, 400) * SECOND_MS, d0)
                    out.append(self._human(rng, person, start, self._visit_source(rng), "signup"))
        # Returning visits, mostly direct.
        for _ in range(n_ret):
            returning = self._returning(rng, day)
            if returning is not None:
                start = d0 + self._tod(rng)
                out.append(self._human(rng, returning, start, self._visit_source(rng), "returning"))
        # Readers who leave a tab open and keep browsing for an hour or so: one starts about every
        # 15 minutes, so "live" (last event in the last 5 minutes) is rarely empty, even at night.
        for slot in range(_LONG_SLOTS):
            returning = self._returning(rng, day)
            if returning is not None:
                start = d0 + slot * _LONG_EVERY + _between(rng, 0, _LONG_EVERY)
                out.append(self._long(rng, returning, start))
        for _ in range(n_bots):
            out.append(self._bot_session(rng, self._bot(rng), d0 + _between(rng, 0, DAY_MS)))
        for _ in range(n_server):
            returning = self._returning(rng, day)
            if returning is not None:
                out.append(self._server_session(rng, returning, d0 + self._tod(rng)))
        # The hostile visitors: each comes right after every 30th other session (staggered), so
        # any 50 consecutive sessions, e.g. the newest 50 at any moment, include every one of them.
        out.sort(key=lambda s: (s.start_ms, s.sid))
        hostile = []
        for idx, person in enumerate(self._hostile):
            for n, k in enumerate(range(idx * 3, len(out), _HOSTILE_EVERY)):
                start = out[k].start_ms + _between(rng, 1, 20) * SECOND_MS
                hostile.append(self._hostile_session(rng, person, start, idx, n, day))
        out.extend(hostile)
        out.sort(key=lambda s: (s.start_ms, s.sid))
        return out

    # --- session builders ------------------------------------------------------------------------

    def _visit_source(self, rng: random.Random) -> Source | None:
        if rng.random() < 0.6:
            return None
        return _pick(rng, self.project.sources, self._src_cw)

    def _walk(
        self, rng: random.Random, entry: str, max_pages: int, allow_exit: bool = True
    ) -> list[str]:
        paths = [entry]
        while len(paths) < max_pages:
            options = self._links.get(paths[-1])
            if options is None:
                break
            nxt = _pick(rng, options[0], options[1])
            if nxt is None:
                if allow_exit:
                    break
                nxt = _one(rng, self._human_pages)
            paths.append(nxt)
        return paths

    def _entry(self, rng: random.Random, source: Source | None) -> str:
        if source is not None and source.landing:
            return _one(rng, source.landing)
        return _pick(rng, self._entries, self._entry_cw)

    def _custom_props(self, rng: random.Random, name: str, path: str) -> dict[str, Any]:
        if name in ("add_to_cart", "product_viewed"):
            return {
                "product_id": path.rsplit("/", 1)[-1],
                "price": _one(rng, (49.0, 129.0, 349.0, 19.99)),
                "currency": "EUR",
                "quantity": _between(rng, 1, 4),
                "variant": _one(rng, ("oak", "walnut", None)),
            }
        if name == "checkout_started":
            return {"cart_value": round(rng.uniform(20, 900), 2), "items": _between(rng, 1, 5)}
        if name == "purchase":
            return {
                "order_id": f"ord_{rng.getrandbits(32):08x}",
                "revenue": round(rng.uniform(20, 900), 2),
                "currency": "EUR",
                "coupon": _one(rng, (None, None, "AUTUMN10", h.HOSTILE_LABEL)),
            }
        if name == "search":
            query = (
                h.HOSTILE_LABEL
                if path == h.HOSTILE_PATH
                else _one(rng, ("desk", "lamp", "api key", h.ARABIC_TEXT, "🦊"))
            )
            return {"query": query, "results": _between(rng, 0, 41)}
        if name == "copy_code_snippet":
            return {
                "language": _one(rng, ("python", "javascript", "bash")),
                "snippet_id": _between(rng, 1, 41),
            }
        if name == "docs_feedback":
            return {
                "helpful": _one(rng, (True, False, None)),
                "comment": _one(rng, (None, "Great", h.HOSTILE_IMG)),
            }
        if name == "plan_selected":
            return {
                "plan": _one(rng, self.project.plans),
                "billing": _one(rng, ("monthly", "yearly")),
            }
        if name == "api_key_created":
            return {"scopes": ["read", "write"][: _between(rng, 1, 3)]}
        return {}

    def _finish(
        self,
        rng: random.Random,
        person: Person,
        start: int,
        events: list[Event],
        source: Source | None,
        kind: str,
        *,
        device: tuple[str | None, str | None, str | None] | None = None,
        geo: tuple[str | None, str | None] | None = None,
    ) -> Session:
        events.sort(key=lambda e: e[0])
        views = [e[2] for e in events if e[1] == "$pageview"]
        browser, os_, device_type = (
            device if device is not None else (person.browser, person.os, person.device_type)
        )
        country, city = geo if geo is not None else (person.country, person.city)
        return Session(
            sid=f"s_{rng.getrandbits(48):012x}",
            person=person,
            distinct_id=events[-1][4],
            start_ms=start,
            end_ms=events[-1][0],
            events=events,
            referrer=source.referrer if source else None,
            referring_domain=source.referring_domain if source else None,
            utm=source.utm if source else None,
            pageviews=len(views),
            entry_path=views[0] if views else None,
            exit_path=views[-1] if views else None,
            country=country,
            city=city,
            browser=browser,
            os=os_,
            device_type=device_type,
            is_bot=person.is_bot,
            bot_name=person.bot_name,
            kind=kind,
        )

    def _page_events(
        self, rng: random.Random, paths: list[str], start: int, did: str, gap_mu: float = 10.2
    ) -> tuple[list[Event], int]:
        """Pageviews along `paths`, with clicks and custom events; returns (events, last time)."""
        p = self.project
        events: list[Event] = []
        t = start
        for i, path in enumerate(paths):
            events.append((t, "$pageview", path, i, did))
            gap = 4 * SECOND_MS + int(rng.lognormvariate(gap_mu, 0.7))
            if rng.random() < 0.45:
                events.append(
                    (t + _between(rng, 1, gap // 2), "$autocapture", path, _one(rng, p.clicks), did)
                )
            for name, prob in p.custom.get(path, ()):
                if rng.random() < prob:
                    props = self._custom_props(rng, name, path)
                    events.append((t + _between(rng, gap // 2, gap - 1), name, path, props, did))
            if i < len(paths) - 1:
                t += gap
        return events, max(e[0] for e in events)

    def _maybe_error(
        self, rng: random.Random, events: list[Event], end: int, chance: float
    ) -> bool:
        if rng.random() >= chance:
            return False
        last = events[-1]
        message = _one(
            rng,
            (
                "TypeError: Cannot read properties of undefined (reading 'price')",
                "ReferenceError: gtag is not defined",
                "Error: " + h.HOSTILE_LABEL,
            ),
        )
        props = {"$exception_type": message.split(":", 1)[0], "$exception_message": message}
        events.append((end + 700, "$exception", last[2], props, last[4]))
        return True

    def _human(
        self, rng: random.Random, person: Person, start: int, source: Source | None, kind: str
    ) -> Session:
        p = self.project
        identified = person.signup_ms is not None and start > person.signup_ms
        did = person.user_id if identified and person.user_id else person.anon_id
        paths = self._walk(rng, self._entry(rng, source), _one(rng, (1, 1, 2, 3, 4, 5, 6, 8)))
        if kind == "signup":
            paths = [
                *paths[:3],
                "/signup",
                "/account" if p.id_style == "acme" else "/docs/getting-started",
            ]
        events, end = self._page_events(rng, paths, start, did)
        if kind == "signup":
            self._identify(rng, person, events)
        elif identified and rng.random() < 0.08:
            new_plan = _one(rng, p.plans)
            props = {"$set": {"plan": new_plan, "plan_changed_at": None}}
            events.append((end + 500, "$set", events[-1][2], props, did))
        elif identified and rng.random() < 0.05:
            # Only the first value sticks: replaying traits must not overwrite it.
            props = {"$set_once": {"first_device": person.device_type, "plan": "never-applied"}}
            events.append((end + 500, "$set_once", events[-1][2], props, did))
        replay_candidate = person.device_type == "Desktop" and kind != "signup" and len(paths) > 1
        wants_replay = replay_candidate and rng.random() < 0.05
        has_error = self._maybe_error(rng, events, end, 0.4 if wants_replay else 0.02)
        session = self._finish(rng, person, start, events, source, kind)
        if wants_replay:
            session.replay = ReplayMeta(
                id=f"rec_{rng.getrandbits(64):016x}",
                recording=_one(rng, RECORDINGS),
                # Now and then the recorder started before the URL was known.
                entry_url=p.site + paths[0] if rng.random() > 0.08 else None,
                has_errors=has_error,
            )
        return session

    def _identify(self, rng: random.Random, person: Person, events: list[Event]) -> None:
        """Sign-up: `signup`, `$identify` (and `$groupidentify`); later events use the user id."""
        assert person.user_id is not None and person.signup_ms is not None
        at = next(i for i, e in enumerate(events) if e[2] == "/signup")
        t = events[at][0]
        cut = t + 1500
        # Events after `$identify` carry the user id; before it, the anonymous id (stitching).
        events[:] = [
            (e[0], e[1], e[2], e[3], person.user_id if e[0] >= cut else e[4]) for e in events
        ]
        props: dict[str, Any] = {
            "$anon_distinct_id": person.anon_id,
            "$set": {"email": person.email, "name": person.name, "plan": person.plan},
            "$set_once": {
                "initial_referring_domain": person.source.referring_domain
                if person.source
                else None,
                "initial_utm_campaign": person.source.utm[2]
                if person.source and person.source.utm
                else None,
                "signed_up_at": None,
            },
        }
        events.append(
            (
                t + 1200,
                "signup",
                "/signup",
                {"method": _one(rng, ("email", "google", "github"))},
                person.user_id,
            )
        )
        events.append((t + 1500, "$identify", "/signup", props, person.user_id))
        if person.company:
            group = {
                "$group_type": "company",
                "$group_key": person.company,
                "$group_set": {"name": person.company, "plan": person.plan},
                "$groups": {"company": person.company, "plan": person.plan},
            }
            events.append((t + 1600, "$groupidentify", "/signup", group, person.user_id))

    def _long(self, rng: random.Random, person: Person, start: int) -> Session:
        identified = person.signup_ms is not None and start > person.signup_ms
        did = person.user_id if identified and person.user_id else person.anon_id
        duration = _between(rng, 25, 50) * MINUTE_MS
        events: list[Event] = []
        t = start
        path = self._entry(rng, None)
        i = 0
        while t < start + duration:
            events.append((t, "$pageview", path, i, did))
            # Under 5 minutes between events, so the reader stays "live" (5 minute window).
            step = _between(rng, 230, 295) * SECOND_MS
            if rng.random() < 0.3:
                events.append(
                    (t + step // 2, "$autocapture", path, _one(rng, self.project.clicks), did)
                )
            t += step
            i += 1
            options = self._links.get(path)
            nxt = _pick(rng, options[0], options[1]) if options else None
            path = nxt or _one(rng, self._human_pages)
        return self._finish(rng, person, start, events, None, "long")

    def _bot_session(self, rng: random.Random, bot: Person, start: int) -> Session:
        n = _between(rng, 3, 26)
        events: list[Event] = []
        t = start
        for i in range(n):
            events.append((t, "$pageview", _one(rng, self._pages), i, bot.anon_id))
            t += _between(rng, 800, 6000)
        return self._finish(rng, bot, start, events, None, "bot")

    def _server_session(self, rng: random.Random, person: Person, start: int) -> Session:
        did = person.user_id or person.anon_id
        events: list[Event] = []
        t = start
        for _ in range(_between(rng, 1, 4)):
            name = _one(rng, self.project.server_events)
            props = {
                "source": "backend",
                "request_id": f"req_{rng.getrandbits(40):010x}",
                "note": None,
            }
            events.append((t, name, None, props, did))
            t += _between(rng, 200, 5000)
        return self._finish(
            rng, person, start, events, None, "server", device=(None, None, None), geo=(None, None)
        )

    def _hostile_session(
        self, rng: random.Random, person: Person, start: int, idx: int, n: int, day: int
    ) -> Session:
        p = self.project
        did = person.user_id or person.anon_id
        first = [
            h.HOSTILE_PATH,
            h.LONG_PATH,
            h.RTL_PATH,
            h.EMOJI_PATH if p.key == "acme" else "/docs",
        ][(idx + n) % 4]
        paths = [first, *self._walk(rng, self._entry(rng, None), 3)]
        sources = [s for s in p.sources if s.weight < 1]  # the awkward ones
        source = sources[(idx + n) % len(sources)]
        events, end = self._page_events(rng, paths, start, did)
        if n == 0:
            # Once a day: set the awkward traits, and join an awkwardly named group.
            events.append((start + 300, "$set", first, {"$set": dict(h.HOSTILE_TRAITS)}, did))
            if person.user_id:
                group = {
                    "$group_type": "company",
                    "$group_key": h.HOSTILE_LABEL,
                    "$groups": {"company": h.HOSTILE_LABEL},
                }
                events.append((start + 400, "$groupidentify", first, group, did))
        has_error = self._maybe_error(rng, events, end, 0.5 if n == 1 else 0.0)
        session = self._finish(rng, person, start, events, source, "hostile")
        if n == 1 and (day + idx) % 3 == 0 and person.device_type == "Desktop":
            session.replay = ReplayMeta(
                id=f"rec_{rng.getrandbits(64):016x}",
                recording=RECORDINGS[(idx + n) % 3],
                entry_url=h.HOSTILE_URL if idx == 0 else p.site + first,
                has_errors=has_error,
            )
        return session
