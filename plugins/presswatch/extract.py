"""Article text and metadata from fetched HTML bytes (trafilatura 2.3.1), as our own frozen value.

trafilatura only ever sees a tree we parsed from text we decoded (charsets.decode_html); it never
fetches anything. Its output is converted to ``Extraction`` here, at the boundary.

Text: trafilatura runs once, in precision mode (the better extractor on news pages) with
fast=True (no readability/justext fallback comparison). That result is checked against a cheap
estimate of the page's prose taken from the already-parsed tree (sentence-length text nodes and
paragraphs outside script/style): only when it is empty, shorter than ``min_chars`` or holds far
less prose than the page (3 x its prose + 300 chars < the estimate) are two more passes run,
precision mode with trafilatura's fallbacks and balanced fast mode, and ``choose_text`` picks
between them: the balanced text replaces the precision one only when precision mode evidently lost
the article (far less prose) or latched onto something else (far more text). On the benchmark the
extra passes run on 17 of 181 pages; the scores are the same as running both of them on every
page, at about 40% less CPU per page. Leftover boilerplate lines ("Related: ...", "Read more",
newsletter pitches, photo credits, the headline repeated) are then dropped. Scores on the
article-extraction benchmark: see bench/README.md. Fallbacks: recall mode, then the feed's own
content:encoded.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from presswatch import reasons
from presswatch.charsets import decode_html
from presswatch.language import detect_language

LOGGER = logging.getLogger(__name__)

MAX_HTML_CHARS = 12_000_000  # bigger pages are truncated before parsing
MAX_FUTURE = timedelta(days=1)
_TRAFILATURA: dict[str, Any] = dict(
    include_comments=False,
    include_tables=True,
    include_images=False,
    include_links=False,
    deduplicate=False,
    with_metadata=False,
)


@dataclass(frozen=True)
class Extraction:
    url: str
    canonical_url: str | None
    title: str | None
    text: str
    authors: tuple[str, ...]
    published_at: datetime | None
    modified_at: datetime | None
    date_source: str | None  # 'page', 'url' or None
    language: str | None
    source: str | None
    description: str | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    image: str | None
    method: str  # 'trafilatura' | 'trafilatura_recall' | 'feed_content' | 'none'
    extractor: str
    encoding: str
    reason: str | None  # None or 'extraction_empty'
    word_count: int


@dataclass(frozen=True)
class ExtractJob:
    body: bytes
    url: str
    header_charset: str | None = None
    feed_content_html: str | None = None
    feed_title: str | None = None
    min_chars: int = 250


@functools.cache
def extractor_version() -> str:
    from importlib.metadata import version

    return f"trafilatura {version('trafilatura')}"


# ---------------------------------------------------------------------------- text cleaning

_SENTENCE_END = re.compile(r"[.!?。！？\"”'’»):;…]$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"\w+")
_NORM = re.compile(r"\W+")
# a whole line that is boilerplate, in any position
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        (?:related|related\ (?:post|article|story|stories|content)s?|read\ (?:more|also|next)|
           see\ (?:more|also)|more|also|also\ on\ \S+|watch|listen|recommended|
           more\ from\ [^:]{1,40}|you\ (?:may|might)\ also\ (?:like|enjoy)|further\ reading)
           \s*[:|»>–-].{0,200}
      | (?:advertisement|advertising|anzeige|publicidad|publicidade|sponsored|ad|
           read\ more|see\ more|continue\ reading|show\ more|load\ more|comments?|\d+\s+comments?|
           share|share\ (?:this|on)\b.*|tweet|print|e-?mail|whatsapp|facebook|twitter|
           don'?t\ miss|most\ (?:read|popular|viewed)\b.{0,60}|trending|top\ stories|
           you\ (?:may|might)\ also\ (?:like|enjoy).{0,20}|related(?:\ \w+)?|more\ stories|
           (?:tempo\ de\ leitura|reading\ time|lesezeit)\s*:?.{0,20}|\d+\s*min(?:ute)?s?\ read|
           like\ this\ (?:story|article)\?.{0,60}|filed\ under\s*:.{0,100}|tags?\s*:.{0,150})
           \s*[:.…!|]*\s*
      | .{0,160}\[(?:INSIGHT|VIDEO|PICS|PICTURES|REACTION|NEWS|WARNING|LATEST|POLL|REVEALED)\]\s*\|?
      | (?:©|\(c\)|copyright\b).{0,120}
      | (?:photo|photos|image|picture|foto|fotos|credit)s?\s*(?::|©|by\b|credit\b).{0,160}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_NEWSLETTER = re.compile(r"\b(?:sign\ up|subscribe|subscribing|newsletter|inbox)\b", re.I | re.X)
_FOLLOW = re.compile(r"^follow\b.{0,120}\b(?:twitter|facebook|instagram|youtube)\b", re.I)


def _norm(text: str) -> str:
    return _NORM.sub(" ", text).strip().lower()


def _is_boilerplate(line: str) -> bool:
    if _BOILERPLATE_LINE.match(line):
        return True
    if len(line) < 200 and len(_NEWSLETTER.findall(line)) >= 2:
        return True
    return len(line) < 200 and bool(_FOLLOW.match(line))


def clean_text(text: str, title: str | None) -> str:
    """Drop leftover boilerplate lines and a repeated headline at the top."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if title and lines:
        norm_title = _norm(title)
        for i in range(min(2, len(lines))):
            norm_line = _norm(lines[i])
            if norm_line and (
                norm_line == norm_title
                or (len(norm_line) > 20 and norm_title.startswith(norm_line))
            ):
                del lines[i]
                break
    return "\n".join(line for line in lines if not _is_boilerplate(line))


def prose_chars(text: str) -> int:
    """Characters in lines that read like sentences (menus and link lists do not)."""
    total = 0
    for line in text.splitlines():
        line = line.strip()
        if (
            len(line) >= 100
            or (len(line) >= 40 and _SENTENCE_END.search(line))
            or (len(line) >= 20 and len(_CJK.findall(line)) > len(line) // 2)
        ):
            total += len(line)
    return total


def count_words(text: str) -> int:
    if not _CJK.search(text):  # the common case: one regex pass, not three
        return len(_WORD.findall(text))
    cjk = len(_CJK.findall(text))
    return cjk + len(_WORD.findall(_CJK.sub(" ", text)))


# text nodes (or whole <p>) of sentence length, outside code: a cheap estimate, straight from the
# parsed tree, of how much article prose the page holds
_LONG_TEXT_XPATH = (
    "//text()[string-length(normalize-space(.)) >= 80]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)
_LONG_P_XPATH = "//p[string-length(normalize-space(.)) >= 80]"


def page_prose_estimate(tree: Any) -> int:
    """Characters of sentence-length text on the whole page (article plus whatever else)."""
    nodes = sum(len(" ".join(str(s).split())) for s in tree.xpath(_LONG_TEXT_XPATH))
    paragraphs = sum(len(" ".join(p.text_content().split())) for p in tree.xpath(_LONG_P_XPATH))
    return max(nodes, paragraphs)


def looks_lost(text: str, page_prose: int, min_chars: int) -> bool:
    """True when an extraction is empty, short, or has far less prose than the page holds
    (``page_prose``, from ``page_prose_estimate``)."""
    return not text or len(text) < min_chars or 3 * prose_chars(text) + 300 < page_prose


def choose_text(precise: str, balanced: str, min_chars: int) -> str:
    """Precision mode unless it evidently lost the article or grabbed something else."""
    if not precise:
        return balanced
    if prose_chars(balanced) > 3 * prose_chars(precise) + 300:
        return balanced  # precision mode dropped most of the prose
    if len(precise) > 3 * len(balanced) and len(balanced) >= min_chars:
        return balanced  # precision mode latched onto a bigger, different block
    return precise


def text_from_fragment(fragment_html: str) -> str:
    """Plain text of a feed's content:encoded HTML, one line per block."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment_html, create_parent="div")
    except Exception:  # noqa: BLE001 - malformed feed HTML
        return re.sub(r"<[^>]+>", " ", fragment_html).strip()
    for bad in root.xpath(".//script|.//style|.//iframe|.//noscript|.//figcaption"):
        bad.drop_tree()
    for block in root.iter(
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "pre",
        "section",
        "article",
    ):
        block.tail = "\n" + (block.tail or "")
    text = root.text_content()
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------- metadata

_URL_DATE = (
    re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[_.-])"),
    re.compile(r"[/_-]((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:/|$|[_.-])"),
    re.compile(r"/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|$|[_-])"),
)
_MODIFIED_XPATH = (
    "//meta[@property='article:modified_time' or @property='og:updated_time' or "
    "@itemprop='dateModified' or @name='last-modified' or @name='dcterms.modified']/@content"
    "|//*[@itemprop='dateModified']/@datetime"
)
_JSONLD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{8,40})"')


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _not_future(value: datetime | None, now: datetime) -> datetime | None:
    return value if value is not None and value <= now + MAX_FUTURE else None


def date_from_url(url: str) -> datetime | None:
    path = urlsplit(url).path
    for pattern in _URL_DATE:
        match = pattern.search(path)
        if match:
            try:
                return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
            except ValueError:
                continue
    return None


def page_dates(tree: Any, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(published, modified) from the page's own metadata (no URL, no free-text search)."""
    from htmldate import find_date

    published = None
    try:
        found = find_date(
            tree,
            url="",
            extensive_search=False,
            original_date=True,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
            max_date=(now + MAX_FUTURE).strftime("%Y-%m-%d"),
        )
        published = _not_future(parse_datetime(found), now)
    except Exception:  # noqa: BLE001 - htmldate bugs must not lose the article
        LOGGER.debug("htmldate failed", exc_info=True)
    modified = None
    candidates = list(tree.xpath(_MODIFIED_XPATH))
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:5]:
        candidates.extend(_JSONLD_MODIFIED.findall(script))
    for candidate in candidates:
        modified = _not_future(parse_datetime(str(candidate)), now)
        if modified:
            break
    return published, modified


def find_canonical(tree: Any, url: str) -> str | None:
    """<link rel=canonical> (else og:url), absolute, resolved against the fetched URL."""
    hrefs = [
        el.get("href")
        for el in tree.xpath("//link[@rel and @href]")
        if "canonical" in (el.get("rel") or "").lower().split()
    ]
    hrefs += tree.xpath("//meta[@property='og:url']/@content")
    for href in hrefs:
        href = (href or "").strip()
        if href:
            absolute = urljoin(url, href)
            if urlsplit(absolute).scheme in {"http", "https"}:
                return absolute
    return None


def declared_language(tree: Any) -> str | None:
    for value in tree.xpath(
        "/html/@lang|/html/@xml:lang|"
        "//meta[@http-equiv='content-language' or "
        "@http-equiv='Content-Language']/@content"
    ):
        if str(value).strip():
            return str(value).strip()
    return None


def _split(value: Any, sep: str = ";") -> tuple[str, ...]:
    """trafilatura's 'A; B' strings and lists (whose items may be 'a,b,c') as a tuple."""
    if not value:
        return ()
    items = value if isinstance(value, list) else str(value).split(sep)
    if isinstance(value, list):
        items = [part for item in items for part in str(item).split(",")]
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


# ---------------------------------------------------------------------------- extraction


def _run(tree: Any, url: str, **options: Any) -> str:
    from trafilatura import bare_extraction

    doc = bare_extraction(tree, url=url or None, **_TRAFILATURA, **options)
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def _article_text(tree: Any, url: str, min_chars: int) -> str:
    """Precision mode, fast (no fallback extractors); when that result looks lost against the
    page's own prose, the full precision pass (with trafilatura's fallbacks) and a balanced pass
    are run and ``choose_text`` picks between them."""
    precise = _run(tree, url, favor_precision=True, fast=True)
    if (
        precise
        and len(precise) >= min_chars
        and not looks_lost(precise, page_prose_estimate(tree), min_chars)
    ):
        return precise
    return choose_text(_run(tree, url, favor_precision=True), _run(tree, url, fast=True), min_chars)


def _empty(
    url: str, encoding: str, title: str | None, feed_text: str, min_chars: int
) -> Extraction:
    """No usable page: the feed's own content if it carried some, else nothing."""
    text = feed_text
    return Extraction(
        url=url,
        canonical_url=None,
        title=title,
        text=text,
        authors=(),
        published_at=None,
        modified_at=None,
        date_source=None,
        language=detect_language(text, None) if text else None,
        source=None,
        description=None,
        categories=(),
        tags=(),
        image=None,
        method="feed_content" if text else "none",
        extractor=extractor_version(),
        encoding=encoding,
        reason=None if len(text) >= min_chars else reasons.check("extraction_empty"),
        word_count=count_words(text),
    )


def extract_article(
    body: bytes,
    url: str,
    *,
    header_charset: str | None = None,
    feed_content_html: str | None = None,
    feed_title: str | None = None,
    min_chars: int = 250,
) -> Extraction:
    """Extract one page; never raises (a failure is an Extraction with reason 'extraction_empty')."""
    encoding = "utf-8"
    try:
        html, encoding = decode_html(body or b"", header_charset)
        return _extract(html, url, encoding, feed_content_html, feed_title, min_chars)
    except Exception:  # noqa: BLE001 - one bad page must never stop a batch
        LOGGER.exception("extraction failed for %s", url)
        feed_text = ""
        try:
            feed_text = text_from_fragment(feed_content_html) if feed_content_html else ""
        except Exception:  # noqa: BLE001
            feed_text = ""
        return _empty(url, encoding, feed_title, feed_text, min_chars)


def _extract(
    html: str,
    url: str,
    encoding: str,
    feed_content_html: str | None,
    feed_title: str | None,
    min_chars: int,
) -> Extraction:
    from trafilatura import extract_metadata
    from trafilatura.utils import load_html

    html = html[:MAX_HTML_CHARS].replace("\x00", "")
    tree = load_html(html) if html.strip() else None
    feed_text = text_from_fragment(feed_content_html) if feed_content_html else ""
    if tree is None:
        return _empty(url, encoding, feed_title, feed_text, min_chars)

    now = datetime.now(UTC)
    meta = extract_metadata(tree, default_url=url, extensive=False)
    title = meta.title or feed_title

    text = _article_text(tree, url, min_chars)
    text = clean_text(text, title)
    method = "trafilatura" if text else "none"
    if len(text) < min_chars:
        recall = clean_text(_run(tree, url, favor_recall=True), title)
        if len(recall) > len(text):
            text, method = recall, "trafilatura_recall"
    if len(text) < min_chars and len(feed_text) > len(text):
        text, method = feed_text, "feed_content"
    reason = None if len(text) >= min_chars else reasons.check("extraction_empty")

    published, modified = page_dates(tree, now)
    date_source = "page" if published else None
    if published is None:
        published = _not_future(date_from_url(url), now)
        date_source = "url" if published else None
    language = detect_language(text or (title or ""), declared_language(tree))
    return Extraction(
        url=url,
        canonical_url=find_canonical(tree, url),
        title=title,
        text=text,
        authors=_split(meta.author),
        published_at=published,
        modified_at=modified,
        date_source=date_source,
        language=language,
        source=meta.sitename or None,
        description=meta.description or None,
        categories=_split(meta.categories),
        tags=_split(meta.tags),
        image=meta.image or None,
        method=method,
        extractor=extractor_version(),
        encoding=encoding,
        reason=reason,
        word_count=count_words(text),
    )


# ---------------------------------------------------------------------------- process pool


def _init_worker() -> None:
    """Import trafilatura and load the language model once per worker process."""
    import trafilatura  # noqa: F401

    from presswatch.language import _get_identifier

    _get_identifier()


def _run_job(job: ExtractJob) -> Extraction:
    return extract_article(
        job.body,
        job.url,
        header_charset=job.header_charset,
        feed_content_html=job.feed_content_html,
        feed_title=job.feed_title,
        min_chars=job.min_chars,
    )


def extract_many(jobs: Sequence[ExtractJob], workers: int) -> list[Extraction]:
    """Extract a batch, in input order; workers > 1 uses a process pool (forkserver: safe to
    call from a threaded process, unlike fork)."""
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [_run_job(job) for job in jobs]

    from presswatch.processes import SafePool

    workers = min(workers, len(jobs))
    chunksize = max(1, min(16, len(jobs) // (workers * 4)))
    with SafePool(workers, initializer=_init_worker) as pool:
        return list(pool.map(_run_job, jobs, chunksize=chunksize))


class ExtractorPool:
    """A process pool kept open across batches (start-up costs once, not per batch)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExtractorPool:
        if self.workers > 1:
            from presswatch.processes import SafePool

            self._pool = SafePool(self.workers, initializer=_init_worker)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, job: ExtractJob) -> Future[Extraction]:
        """Extract one page in a worker (or here, without workers); the future holds the result."""
        if self._pool is not None:
            return self._pool.submit(_run_job, job)
        done: Future[Extraction] = Future()
        done.set_result(_run_job(job))
        return done

    def map(self, jobs: Sequence[ExtractJob]) -> list[Extraction]:
        jobs = list(jobs)
        if self._pool is None or len(jobs) <= 1:
            return [_run_job(job) for job in jobs]
        chunksize = max(1, min(8, len(jobs) // (self.workers * 4)))
        return list(self._pool.map(_run_job, jobs, chunksize=chunksize))
