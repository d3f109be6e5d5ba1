"""Deterministic warehouses for the digest and alert tests (fixed dates, seeded, no clock).

- :func:`fixture_warehouse`: the golden-file warehouse: three topics (one spiking on the report
  day, with a wire story carried by 30 outlets), hostile titles, outlet names and URLs, a day
  without a run, a day when most feeds failed, failing and dead feeds, page and extraction
  failures.
- :func:`demo_warehouse`: a nicer, demo-like warehouse for the README screenshot.
- :func:`series_warehouse`: exact per-day story counts for one or more topics (alert tests).

Rows are written straight into a migrated DuckDB file (stories and topic matches included), so
the tests exercise the digest and the alerts, not clustering or tagging.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DAY = date(2026, 11, 20)


@dataclass(frozen=True)
class Outlet:
    name: str
    domain: str
    language: str


@dataclass
class TopicSpec:
    name: str
    description: str
    # copies per story, per day: [30, 1, 2] = three stories, the first carried by 30 outlets
    stories: Callable[[date], list[int]]
    title: Callable[[date, int], str]
    extra: dict[date, list[tuple[str, str, Outlet]]] = field(default_factory=dict)  # title, url


@dataclass
class Plan:
    day: date
    days_back: int
    outlets: Sequence[Outlet]
    topics: Sequence[TopicSpec]
    filler: Callable[[date], int]  # articles that match no topic (all coverage)
    no_run: set[date] = field(default_factory=set)
    feeds_failed: set[date] = field(default_factory=set)
    feeds: Sequence[tuple[str, str, str, str | None, float]] = ()  # url, title, status, error, w
    page_failures: Sequence[tuple[str, str]] = ()  # (reason, url) on the report day
    empty_extractions: int = 0
    day_complete: bool = True  # a run after the report day ended
    seed: int = 20261120


def _at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def build(path: Path, plan: Plan) -> Path:
    import duckdb
    import pyarrow as pa
    from presswatch import warehouse

    rng = random.Random(plan.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        warehouse.migrate(con)
        first = plan.day - timedelta(days=plan.days_back)
        days = [first + timedelta(days=i) for i in range(plan.days_back + 1)]
        cols: dict[str, list] = {k: [] for k in (
            "article_id", "url", "title", "text", "language", "published_at", "source", "domain",
            "first_fetched_at", "fetched_at", "extraction_method", "extraction_reason",
            "extractor", "content_hash", "word_count", "story_id", "authors")}
        matches: list[tuple[str, int]] = []
        next_id = [1000]

        def add(title: str, url: str | None, outlet: Outlet, at: datetime, story: int | None,
                empty: bool = False) -> int:
            aid = next_id[0]
            next_id[0] += 1
            text = "" if empty else f"{title}. Body of article {aid}."
            values = {"article_id": aid, "url": url or f"https://{outlet.domain}/news/{aid}",
                      "title": title, "text": text, "language": outlet.language,
                      "published_at": at, "source": outlet.name, "domain": outlet.domain,
                      "first_fetched_at": at + timedelta(minutes=25),
                      "fetched_at": at + timedelta(minutes=25), "extraction_method":
                      "none" if empty else "trafilatura",
                      "extraction_reason": "extraction_empty" if empty else None,
                      "extractor": "trafilatura 2.3.1",
                      "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                      "word_count": len(text.split()), "story_id": story if story else aid,
                      "authors": ["Staff"] if aid % 3 == 0 else []}
            for k, v in values.items():
                cols[k].append(v)
            return aid

        for day in days:
            for spec in plan.topics:
                for n, copies in enumerate(spec.stories(day)):
                    hour = 1 + rng.random() * 20
                    chosen = _pick(rng, plan.outlets, copies)
                    story = None
                    for k, outlet in enumerate(chosen):
                        at = _at(day, hour + k * 0.05)
                        aid = add(spec.title(day, n), None, outlet, at, story)
                        story = story or aid
                        matches.append((spec.name, aid))
                for title, url, outlet in spec.extra.get(day, []):
                    aid = add(title, url, outlet, _at(day, 12 + rng.random() * 8), None)
                    matches.append((spec.name, aid))
            for i in range(plan.filler(day)):
                outlet = plan.outlets[int(rng.random() * len(plan.outlets))]
                add(f"Other news {day.isoformat()} #{i}", None, outlet,
                    _at(day, rng.random() * 23.5), None)
        for _ in range(plan.empty_extractions):
            add("", None, plan.outlets[0], _at(plan.day, 9), None, empty=True)

        table = pa.table(cols)
        con.register("stg_articles", table)
        con.execute("INSERT INTO articles BY NAME SELECT * FROM stg_articles")
        con.unregister("stg_articles")
        created = _at(first, 0)
        for spec in plan.topics:
            con.execute("INSERT INTO topics VALUES (?, ?, ?, NULL, 1, ?, ?, ?)",
                        [spec.name, f"fixture:{spec.name}", spec.description,
                         hashlib.sha256(spec.name.encode()).hexdigest(), created, created])
        con.register("stg_matches", pa.table({
            "topic": [m[0] for m in matches], "article_id": [m[1] for m in matches]}))
        con.execute("INSERT INTO topic_matches SELECT topic, 1, article_id, ?, ['fixture'] "
                    "FROM stg_matches", [created])
        con.unregister("stg_matches")

        feeds = list(plan.feeds) or [(f"https://{o.domain}/rss.xml", o.name, "ok", None, 0.0)
                                     for o in plan.outlets[:8]]
        for i, (url, title, status, error, weight) in enumerate(feeds, start=1):
            con.execute(
                "INSERT INTO feeds (feed_id, url, fetch_url, title, status, last_error, "
                "last_error_at, last_success_at, failures, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?)", [i, url, url, title, status, error,
                             _at(plan.day, 6) if error else None,
                             None if status == "dead" else _at(plan.day - timedelta(days=2), 6),
                             weight, created])
        run_days = [d for d in days if d not in plan.no_run]
        if plan.day_complete:
            run_days.append(plan.day + timedelta(days=1))
        events: dict[str, list] = {k: [] for k in ("run_id", "fetched_at", "kind", "feed_id",
                                                   "url", "outcome", "reason")}
        runs: dict[str, list] = {k: [] for k in ("run_id", "started_at", "loaded_at", "trigger",
                                                 "feeds_polled", "feeds_failed", "articles_new")}

        def event(*values: object) -> None:
            for k, v in zip(events, values, strict=True):
                events[k].append(v)

        for day in run_days:
            at = _at(day, 0.25 if day > plan.day else 6)
            run_id = f"run-{day.isoformat()}"
            failed = 0
            for i, (url, _t, status, _e, _w) in enumerate(feeds, start=1):
                bad = status == "dead" or (day in plan.feeds_failed and i % 4 != 0)
                failed += bad
                event(run_id, at, "feed", i, url, "failed" if bad else "ok",
                      "http_5xx" if bad else None)
            if day == plan.day:
                for reason, url in plan.page_failures:
                    event(run_id, at, "page", None, url, "failed", reason)
            for k, v in zip(runs, (run_id, at - timedelta(minutes=5), at, "fixture", len(feeds),
                                   failed, 0), strict=True):
                runs[k].append(v)
        for name, data in (("fetch_events", events), ("runs", runs)):
            con.register("stg_rows", pa.table(data))
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM stg_rows")  # noqa: S608
            con.unregister("stg_rows")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def _pick(rng: random.Random, outlets: Sequence[Outlet], n: int) -> list[Outlet]:
    pool = list(outlets)
    out = []
    for _ in range(min(n, len(pool))):
        out.append(pool.pop(int(rng.random() * len(pool))))
    return out


def _noise(rng_seed: str, day: date, base: int, spread: int) -> int:
    h = int(hashlib.sha256(f"{rng_seed}|{day.isoformat()}".encode()).hexdigest()[:8], 16)
    return max(base + (h % (2 * spread + 1)) - spread, 0)


# -- presets ---------------------------------------------------------------------------------

FIXTURE_OUTLETS = [Outlet(f"Outlet {i:02d}", f"outlet{i:02d}.example", lang)
                   for i, lang in zip(range(1, 33), ["en", "en", "de", "en", "ja", "en", "fr",
                                                     "en"] * 4, strict=True)]
HOSTILE_OUTLET = Outlet('<b onmouseover="window.__pwned=7">Evil</b> Times', "evil.example", "")
HOSTILE_TITLE = ('<script>window.__pwned=1</script> "Quoted" & <img src=x '
                 'onerror="window.__pwned=2"> [click](https://evil.example/) *bold*')


def fixture_plan(day: date = DAY) -> Plan:
    d = day

    def harbour(x: date) -> list[int]:
        if x == d:  # the spike: 14 stories, one a wire story carried by 30 outlets
            return [30] + [2] * 5 + [1] * 8
        return [1 + (_noise("h-copies", x, 1, 1))] + [1] * (_noise("harbour", x, 3, 1) - 1)

    def water(x: date) -> list[int]:
        return [2] * _noise("water", x, 2, 1)

    def quiet(x: date) -> list[int]:
        return [1] if x.toordinal() % 9 == 0 and x != d else []

    water_spec = TopicSpec("water", "Treated water releases <i>and</i> reactions", water,
                           lambda x, n: f"Water release update {x.isoformat()} part {n + 1}")
    water_spec.extra[d] = [
        (HOSTILE_TITLE, "javascript:window.__pwned=3", FIXTURE_OUTLETS[1]),
        ("Tanks & pipes: <what> the operator said", "data:text/html,<script>1</script>",
         HOSTILE_OUTLET),
        ("Café Ünïcode — 処理水 update\u202e\u0007", "https://outlet03.example/news/unicode?a=1&b=2",
         FIXTURE_OUTLETS[2]),
    ]
    return Plan(
        day=d, days_back=44, outlets=FIXTURE_OUTLETS,
        topics=[
            TopicSpec("harbour_budget", "Harbour budget & dredging", harbour,
                      lambda x, n: f"Harbour budget story {n + 1} of {x.isoformat()}"),
            water_spec,
            TopicSpec("quiet_topic", "A topic with nothing today", quiet,
                      lambda x, n: f"Quiet news of {x.isoformat()}"),
        ],
        filler=lambda x: _noise("filler", x, 40, 8),
        no_run={d - timedelta(days=10)}, feeds_failed={d - timedelta(days=5)},
        feeds=[(f"https://{o.domain}/rss.xml", o.name, "ok", None, 0.0)
               for o in FIXTURE_OUTLETS[:5]] + [
            ("https://outlet06.example/rss.xml", "Outlet 06", "failing", "http_5xx", 3.0),
            ("https://outlet07.example/feed", "Outlet 07", "dead", "http_404", 12.0),
            ("javascript:window.__pwned=4", '<script>window.__pwned=5</script>', "failing",
             "timeout", 1.5)],
        page_failures=[("http_404", "https://outlet01.example/gone"),
                       ("http_404", "https://outlet02.example/gone"),
                       ("timeout", "https://outlet03.example/slow")],
        empty_extractions=2)


def fixture_warehouse(path: Path, day: date = DAY) -> Path:
    return build(path, fixture_plan(day))


DEMO_OUTLETS = [
    Outlet("NHK World", "www3.nhk.or.jp", "en"), Outlet("Kyodo News", "english.kyodonews.net", "en"),
    Outlet("The Japan Times", "japantimes.co.jp", "en"), Outlet("The Asahi Shimbun", "asahi.com", "ja"),
    Outlet("Mainichi", "mainichi.jp", "ja"), Outlet("Yomiuri", "yomiuri.co.jp", "ja"),
    Outlet("South China Morning Post", "scmp.com", "en"), Outlet("Xinhua", "xinhuanet.com", "zh"),
    Outlet("Global Times", "globaltimes.cn", "en"), Outlet("CGTN", "cgtn.com", "zh"),
    Outlet("Deutsche Welle", "dw.com", "de"), Outlet("tagesschau", "tagesschau.de", "de"),
    Outlet("BBC News", "bbc.co.uk", "en"), Outlet("Reuters", "reuters.com", "en"),
    Outlet("AP News", "apnews.com", "en"), Outlet("Yonhap", "en.yna.co.kr", "ko"),
    Outlet("The Korea Herald", "koreaherald.com", "en"), Outlet("ABC News (AU)", "abc.net.au", "en"),
    Outlet("Le Monde", "lemonde.fr", "fr"), Outlet("The Guardian", "theguardian.com", "en"),
    Outlet("Nikkei Asia", "asia.nikkei.com", "en"), Outlet("Focus Taiwan", "focustaiwan.tw", "en"),
    Outlet("Straits Times", "straitstimes.com", "en"), Outlet("Al Jazeera", "aljazeera.com", "en"),
    Outlet("RNZ", "rnz.co.nz", "en"), Outlet("France 24", "france24.com", "fr"),
]
WATER_TITLES = [
    "Japan begins third release of treated Fukushima water",
    "TEPCO says tritium levels near outlet far below limits",
    "IAEA staff take seawater samples off Fukushima",
    "Fishermen fear reputational damage as discharge continues",
    "China renews criticism of Fukushima wastewater release",
    "Seoul monitors radiation along coast after third release",
    "Explainer: what is in the ALPS-treated water?",
    "Fukushima Daiichi: operator completes dilution tests",
    "South Korea finds no abnormal radiation in its waters",
    "Pacific island leaders seek more data on discharge",
    "Hong Kong tests imported seafood after Fukushima release",
    "Fukushima-Wasser: Japan leitet weiteres Kühlwasser ins Meer",
    "福島第一原発、処理水の3回目の海洋放出を開始",
]
APEC_TITLES = [
    "APEC ministers meet on supply-chain resilience",
    "Leaders arrive for APEC summit week",
    "APEC trade ministers back WTO reform statement",
    "Business forum on the sidelines of APEC urges digital trade rules",
    "APEC host outlines agenda on food security",
]
SEAFOOD_TITLES = [
    "China keeps ban on Japanese seafood imports",
    "Scallop exporters turn to new markets after import ban",
    "Hong Kong restrictions on Japanese seafood remain",
    "Japan seeks WTO talks over seafood import curbs",
]


def demo_plan(day: date = DAY) -> Plan:
    d = day

    def water(x: date) -> list[int]:
        if x == d:
            return [24, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1]
        if x == d - timedelta(days=1):
            return [5, 2, 1, 1, 1]
        return [3] + [1] * _noise("w", x, 2, 2)

    def apec(x: date) -> list[int]:
        return [4, 2] + [1] * _noise("a", x, 3, 2) if (d - x).days < 9 else [1] * _noise("a", x, 1, 1)

    def seafood(x: date) -> list[int]:
        return [2] + [1] * _noise("s", x, 1, 1)

    return Plan(
        day=d, days_back=44, outlets=DEMO_OUTLETS,
        topics=[
            TopicSpec("fukushima_water", "Release of treated water from the Fukushima Daiichi "
                      "plant and the reactions to it.", water,
                      lambda x, n: WATER_TITLES[(n + 3 * x.toordinal()) % len(WATER_TITLES)]),
            TopicSpec("apec", "The Asia-Pacific Economic Cooperation forum, its summits and "
                      "ministerial meetings.", apec,
                      lambda x, n: APEC_TITLES[(n + x.toordinal()) % len(APEC_TITLES)]),
            TopicSpec("seafood_ban", "Import bans on Japanese seafood and their effects.",
                      seafood, lambda x, n: SEAFOOD_TITLES[(n + x.toordinal()) % len(SEAFOOD_TITLES)]),
        ],
        filler=lambda x: _noise("f", x, 120, 25),
        no_run={d - timedelta(days=12)}, feeds_failed={d - timedelta(days=4)},
        feeds=[(f"https://{o.domain}/rss", o.name, "ok", None, 0.0) for o in DEMO_OUTLETS[:22]] + [
            ("https://www.cgtn.com/subscribe/rss/section/world.xml", "CGTN World", "failing",
             "http_5xx", 2.5),
            ("https://www.yomiuri.co.jp/feed/", "Yomiuri", "dead", "http_404", 10.0)],
        page_failures=[("http_403", "https://www.yomiuri.co.jp/a"), ("timeout", "https://x.example/")],
        empty_extractions=1)


def demo_warehouse(path: Path, day: date = DAY) -> Path:
    return build(path, demo_plan(day))


def series_warehouse(path: Path, series: dict[str, dict[date, list[int]]], day: date,
                     days_back: int = 30, no_run: set[date] | None = None,
                     day_complete: bool = True) -> Path:
    """Exact copies-per-story lists per topic and day (days missing: no stories)."""
    outlets = [Outlet(f"Paper {i}", f"paper{i}.example", "en") for i in range(1, 41)]
    topics = [TopicSpec(name, f"synthetic {name}", lambda x, s=s: list(s.get(x, [])),
                        lambda x, n, name=name: f"{name} story {n} on {x.isoformat()}")
              for name, s in series.items()]
    return build(path, Plan(day=day, days_back=days_back, outlets=outlets, topics=topics,
                            filler=lambda x: 20, no_run=no_run or set(),
                            day_complete=day_complete))
