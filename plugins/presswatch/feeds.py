"""Parse RSS 0.9x/1.0/2.0 and Atom bytes into frozen values (no I/O, ever).

feedparser is given a ``BytesIO`` (never ``bytes`` or ``str``: feedparser treats a
``bytes``/``str`` argument as a *file name or URL* first and would open it) and the feed URL
as ``content-location`` so relative links resolve against xml:base / the feed URL.

Security (checked by tests/test_feeds.py): feedparser strips DOCTYPEs, so classic
billion-laughs and XXE do not expand under expat, and external DTDs are never fetched.
But feedparser *keeps* "safe" internal entities (``<!ENTITY a "plain text">``) and, when
expat gives up (its amplification limit), its loose parser expands them without any limit:
a 260 KB quadratic-blowup document grows to gigabytes. So ``screen_entities`` removes
the prolog (everything before the root element except the XML declaration) whenever it
declares entities, and refuses (``not_a_feed``) what it cannot neutralise safely.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from html.parser import HTMLParser

from presswatch import reasons
from presswatch.dates import INVALID_DATE, check_date, parse_date
from presswatch.urls import normalize_url

NOT_A_FEED = reasons.check("not_a_feed")
MALFORMED_FEED = reasons.check("malformed_feed")

MAX_TITLE_CHARS = 1000
MAX_SUMMARY_BYTES = 100 * 1024
MAX_CONTENT_BYTES = 2 * 1024 * 1024
MAX_TAGS = 100
MAX_TAG_CHARS = 200
MAX_AUTHORS = 50

_ENTITY_DECL = b"<!ENTITY"
# "<!ENTITY" as it appears in encodings that are not ASCII-compatible.
_WIDE_ENTITY_DECLS = tuple(
    "<!ENTITY".encode(codec)
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
)
_FIRST_ELEMENT = re.compile(rb"<\w")  # feedparser's own definition of where the prolog ends
_XML_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>")
_WS = re.compile(r"\s+")
_BENIGN_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


@dataclass(frozen=True)
class FeedEntry:
    guid: str  # entry id, else link, else a content hash ("sha1:...")
    url: str | None  # normalised absolute link; None if missing or unusable
    raw_url: str | None  # link as given by feedparser (resolved against xml:base)
    title: str | None
    summary: str | None  # HTML as given (feedparser-sanitised), capped at 100 KB
    content_html: str | None  # content:encoded / atom content, capped at 2 MB
    authors: tuple[str, ...]
    published_at: datetime | None  # from the feed, UTC
    updated_at: datetime | None
    date_source: str | None  # 'feed' or None
    date_problem: str | None  # 'future_date' / 'invalid_date' when the feed date was rejected
    tags: tuple[str, ...]
    language: str | None


@dataclass(frozen=True)
class ParsedFeed:
    version: str | None  # feedparser version: 'rss20', 'atom10', 'rss10', 'rss091u', ...
    title: str | None
    site_url: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    next_url: str | None  # rel="next" paging link, absolute
    malformed: bool  # bozo but entries parsed
    problem: str | None  # None, 'not_a_feed' or 'malformed_feed'


def screen_entities(body: bytes) -> bytes | None:
    """Bytes safe to give feedparser, or ``None`` if the document must be refused.

    Documents without entity declarations are returned unchanged. If the prolog declares
    entities, it is cut (keeping the XML declaration, which carries the encoding); entity
    references then stay unexpanded text. Refused: a non-ASCII-compatible encoding
    (UTF-16/32, EBCDIC) with entity declarations, or a prolog we could not cut cleanly.
    """
    if any(pattern in body for pattern in _WIDE_ENTITY_DECLS):
        return None
    if _ENTITY_DECL not in body:
        return body
    match = _FIRST_ELEMENT.search(body)
    end = match.start() if match else len(body)
    if _ENTITY_DECL not in body[:end]:
        return body  # only inside the document (e.g. CDATA): feedparser ignores it
    decl = _XML_DECL.match(body)
    cleaned = (decl.group(0) if decl else b"") + b"\n" + body[end:]
    if _ENTITY_DECL in cleaned:
        return None  # e.g. an entity value contained "<x" and the cut landed inside the DTD
    return cleaned


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def clean_text(value: object, limit: int = MAX_TITLE_CHARS) -> str | None:
    """Plain text: tags and <script>/<style> content removed, entities unescaped,
    whitespace collapsed, capped at *limit* characters; ``None`` when empty."""
    if not isinstance(value, str) or not value:
        return None
    if "<" in value or "&" in value:
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
            value = "".join(parser.parts)
        except Exception:  # noqa: BLE001 - HTMLParser is lenient; be safe anyway
            value = unescape(re.sub(r"<[^>]*>", " ", value))
    text = _WS.sub(" ", value).strip()
    return text[:limit] or None


def _cap_bytes(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value) * 4 <= limit:
        return value
    data = value.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return value
    return data[:limit].decode("utf-8", "ignore")


def _language(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    lang = value.strip().replace("_", "-").lower()
    return lang[:35] if re.fullmatch(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*", lang) else None


def _next_url(links: object, base: str) -> str | None:
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == "next":
            return normalize_url(link.get("href"), base)
    return None


def _entry_dates(
    entry: dict, now: datetime | None, max_future_s: float
) -> tuple[datetime | None, datetime | None, str | None]:
    """(published_at, updated_at, problem). The primary date is the published date if the
    entry has one (pubDate, atom:published), else the updated one (atom:updated, dc:date).
    A rejected primary date is not replaced by the other one."""
    checked: dict[str, tuple[datetime | None, str | None]] = {}
    for key in ("published", "updated"):
        # dict.get: FeedParserDict.get("updated*") silently falls back to "published*".
        # The text is parsed by presswatch.dates (which refuses out-of-range fields that
        # feedparser rolls over); feedparser's struct_time only when there is no text.
        raw = dict.get(entry, key)
        if isinstance(raw, str) and raw.strip():
            parsed = parse_date(raw)
        else:
            parsed = parse_date(dict.get(entry, f"{key}_parsed"))
        if parsed is None and raw:
            checked[key] = (None, INVALID_DATE)  # written but unreadable
        else:
            checked[key] = check_date(parsed, now, max_future_s)
    primary = "published" if dict.get(entry, "published") else "updated"
    published_at, problem = checked[primary]
    return published_at, checked["updated"][0], problem


def _strings(values: object, key: str, limit: int, cap: int) -> tuple[str, ...]:
    out: list[str] = []
    for item in values if isinstance(values, list) else ():
        text = clean_text(item.get(key) if isinstance(item, dict) else item, cap)
        if text and text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return tuple(out)


def _content_guid(*parts: object) -> str:
    """Identity for an entry with neither id nor link (stable across polls)."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")
    return "sha1:" + hashlib.sha1(text).hexdigest()


def _build_entry(
    entry: dict, base: str, feed_language: str | None, now: datetime | None, max_future_s: float
) -> FeedEntry:
    raw_url = entry.get("link") or None
    guid = (entry.get("id") or "").strip() or None
    if not raw_url and guid and entry.get("guidislink") is not False:
        if re.match(r"(?i)https?://", guid):
            raw_url = guid
    url = normalize_url(raw_url, base) if raw_url else None
    title = clean_text(entry.get("title"))
    summary = _cap_bytes(entry.get("summary"), MAX_SUMMARY_BYTES)
    content_html = None
    contents = entry.get("content") or []
    if contents:
        best = next((c for c in contents if "html" in (c.get("type") or "")), contents[0])
        content_html = _cap_bytes(best.get("value"), MAX_CONTENT_BYTES)
    authors = _strings(entry.get("authors") or [], "name", MAX_AUTHORS, MAX_TAG_CHARS)
    if not authors and entry.get("author"):
        authors = _strings([entry.get("author")], "name", 1, MAX_TAG_CHARS)
    tags = _strings(entry.get("tags") or [], "term", MAX_TAGS, MAX_TAG_CHARS)
    published_at, updated_at, date_problem = _entry_dates(entry, now, max_future_s)
    language = None
    for detail in ("title_detail", "summary_detail"):
        language = language or _language((entry.get(detail) or {}).get("language"))
    if not guid:
        guid = raw_url or _content_guid(title, summary, dict.get(entry, "published"))
    return FeedEntry(
        guid=guid,
        url=url,
        raw_url=raw_url,
        title=title,
        summary=summary,
        content_html=content_html,
        authors=authors,
        published_at=published_at,
        updated_at=updated_at,
        date_source="feed" if published_at else None,
        date_problem=date_problem,
        tags=tags,
        language=language or feed_language,
    )


def _empty(problem: str, version: str | None = None) -> ParsedFeed:
    return ParsedFeed(version, None, None, None, (), None, False, problem)


def parse_feed(
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    now: datetime | None = None,
    max_future_s: float = 86400.0,
    max_entries: int = 5000,
) -> ParsedFeed:
    """Parse one feed document (see module docs). Never raises on bad input."""
    import feedparser

    if not body or not body.strip():
        return _empty(NOT_A_FEED)
    screened = screen_entities(body)
    if screened is None:
        return _empty(NOT_A_FEED)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(io.BytesIO(screened), response_headers=headers)
    except Exception:  # noqa: BLE001 - feedparser is defensive, but never crash a poll
        return _empty(NOT_A_FEED)
    version = parsed.get("version") or None
    feed = parsed.get("feed") or {}
    raw_entries = parsed.get("entries") or []
    exc = parsed.get("bozo_exception")
    bozo = bool(parsed.get("bozo")) and type(exc).__name__ not in _BENIGN_BOZO
    if not version:
        return _empty(NOT_A_FEED)
    has_channel = bool(feed.get("title") or feed.get("link"))
    if bozo and not raw_entries and not has_channel:
        return _empty(NOT_A_FEED, version)
    language = _language(feed.get("language"))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in raw_entries:
        if len(entries) >= max_entries:
            break
        entry = _build_entry(raw, url, language, now, max_future_s)
        if entry.guid in seen:
            continue
        seen.add(entry.guid)
        entries.append(entry)
    return ParsedFeed(
        version=version,
        title=clean_text(feed.get("title")),
        site_url=normalize_url(feed.get("link"), url) if feed.get("link") else None,
        language=language,
        entries=tuple(entries),
        next_url=_next_url(feed.get("links"), url),
        malformed=bozo and bool(entries),
        problem=MALFORMED_FEED if bozo else None,
    )
