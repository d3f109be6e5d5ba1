"""Feed lists: OPML (nested outlines) or plain text (one URL per line).

OPML is parsed with lxml with entity resolution, DTD loading and network access off, after
``presswatch.feeds.screen_entities`` has cut any DTD that declares entities, so
entity-expansion ("billion laughs") and XXE documents cannot expand or read anything.
Invalid URLs are skipped and reported in ``FeedListResult.rejected`` as
``(where, reason)`` pairs (``where`` is ``"line N: ..."`` or ``"outline N: ..."``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from presswatch import reasons
from presswatch.feeds import screen_entities
from presswatch.urls import MAX_URL_LENGTH, normalize_url

BAD_URL = reasons.check("bad_url")
UNSUPPORTED_SCHEME = reasons.check("unsupported_scheme")
URL_TOO_LONG = reasons.check("url_too_long")
DEFAULT_FEEDS = Path(__file__).resolve().parent / "data" / "default_feeds.opml"
_MAX_ATTR = 1000


@dataclass(frozen=True)
class FeedSource:
    url: str
    title: str | None
    site_url: str | None
    category: str | None
    language: str | None


@dataclass(frozen=True)
class FeedListResult:
    sources: tuple[FeedSource, ...]
    rejected: tuple[tuple[str, str], ...] = field(default=())


def url_problem(raw: str) -> str:
    """Why *raw* is not a usable feed URL (one of the fixed reasons)."""
    if len(raw) > MAX_URL_LENGTH:
        return URL_TOO_LONG
    scheme = raw.split(":", 1)[0].lower() if ":" in raw else ""
    if scheme and scheme.isalpha() and scheme not in ("http", "https"):
        return UNSUPPORTED_SCHEME
    return BAD_URL


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())[:_MAX_ATTR]
    return value or None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<opml", b"<!--", b"<!doctype"))


def _parse_opml(data: bytes) -> FeedListResult:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
    )
    screened = screen_entities(data)  # entity declarations: drop the DTD, never expand
    if screened is None:
        return FeedListResult((), (("document", f"{BAD_URL}: entity declarations refused"),))
    try:
        root = etree.fromstring(screened, parser=parser)
    except etree.XMLSyntaxError as exc:
        return FeedListResult((), (("document", f"{BAD_URL}: not OPML ({exc})"),))
    if root is None:
        return FeedListResult((), (("document", f"{BAD_URL}: not OPML"),))
    sources: list[FeedSource] = []
    rejected: list[tuple[str, str]] = []
    seen: set[str] = set()

    def walk(element: object, category: str | None) -> None:
        for number, child in enumerate(element.iterchildren("outline", "{*}outline"), 1):  # type: ignore[attr-defined]
            attrs = {k.lower(): v for k, v in child.attrib.items() if isinstance(k, str)}
            title = _text(attrs.get("title")) or _text(attrs.get("text"))
            own_category = _text(attrs.get("category"))
            raw = (attrs.get("xmlurl") or "").strip()
            if raw:
                url = normalize_url(raw)
                where = f"outline {child.sourceline or number}: {raw[:200]}"
                if url is None:
                    rejected.append((where, url_problem(raw)))
                elif url not in seen:
                    seen.add(url)
                    site = attrs.get("htmlurl")
                    sources.append(
                        FeedSource(
                            url=url,
                            title=title,
                            site_url=normalize_url(site) if site else None,
                            category=_first_category(own_category) or category,
                            language=_text(attrs.get("language")),
                        )
                    )
            walk(child, _first_category(own_category) or (title if not raw else None) or category)

    body = root.find("body")
    walk(body if body is not None else root, None)
    return FeedListResult(tuple(sources), tuple(rejected))


def _first_category(value: str | None) -> str | None:
    """OPML ``category`` is a comma-separated list of slash paths: keep the first, unslashed."""
    if not value:
        return None
    first = value.split(",")[0].strip().strip("/")
    return first or None


def _parse_lines(text: str) -> FeedListResult:
    sources: list[FeedSource] = []
    rejected: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        raw = line.split()[0]
        url = normalize_url(raw)
        if url is None:
            rejected.append((f"line {number}: {raw[:200]}", url_problem(raw)))
        elif url not in seen:
            seen.add(url)
            sources.append(
                FeedSource(url=url, title=None, site_url=None, category=None, language=None)
            )
    return FeedListResult(tuple(sources), tuple(rejected))


def parse_feed_list(data: bytes) -> FeedListResult:
    """Feeds from OPML or a plain-text list (``#`` comments and blank lines ignored).

    URLs are normalised (``presswatch.urls.normalize_url``) and de-duplicated.
    """
    if _looks_like_xml(data):
        return _parse_opml(data)
    return _parse_lines(data.decode("utf-8-sig", errors="replace"))


def load_default_feeds() -> FeedListResult:
    """The curated list bundled with presswatch (``data/default_feeds.opml``)."""
    return parse_feed_list(DEFAULT_FEEDS.read_bytes())
