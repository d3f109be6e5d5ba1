"""Text fingerprints for story clustering: normalisation, word shingles, MinHash and LSH bands,
normalised titles and URL keys, and the "facts" (numbers, dates, ordinals in context) used to
veto merges of same-template articles about different events.

Pure functions over strings and numpy arrays; no database access. MinHash comes from
``datasketch`` (scheme ``affine32``: 32-bit values, so a signature is 128 x uint32 = 512 bytes);
the LSH banding is ours, so that the band buckets can live in DuckDB (``story_buckets``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

NUM_PERM = 128
BANDS = 42
ROWS = 3  # 42 bands x 3 rows = 126 of the 128 values; LSH threshold ~ (1/42)^(1/3) = 0.29
SHINGLE = 5  # words per shingle
MINHASH_SEED = 20240824
MINHASH_SCHEME = "affine32"

_WORD = re.compile(r"\w+(?:[.,:'’/-]\w+)*", re.UNICODE)
_DIGIT = re.compile(r"\d")

MONTHS = {
    "jan": "jan", "january": "jan", "feb": "feb", "february": "feb", "mar": "mar",
    "march": "mar", "apr": "apr", "april": "apr", "may": "may", "jun": "jun", "june": "jun",
    "jul": "jul", "july": "jul", "aug": "aug", "august": "aug", "sep": "sep", "sept": "sep",
    "september": "sep", "oct": "oct", "october": "oct", "nov": "nov", "november": "nov",
    "dec": "dec", "december": "dec",
}  # fmt: skip
WEEKDAYS = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
}  # fmt: skip
ORDINALS = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "eleventh": "11",
    "twelfth": "12",
}  # fmt: skip
CARDINALS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "dozen": "12",
    "hundred": "100", "thousand": "1000", "million": "m", "billion": "bn",
}  # fmt: skip
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(st|nd|rd|th)$")
_NUMBER_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(ORDINALS) | frozenset(CARDINALS)

# Title decorations removed before comparing titles (prefixes like "Opinion |", "UPDATE 2-").
_TITLE_PREFIX = re.compile(
    r"^\s*(?:(?:opinion|analysis|exclusive|breaking|live|update(?:\s*\d+)?|watch|video|"
    r"explainer|factbox|corrected|refile|editorial|comment)\s*[:|\-–—]+\s*)+",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = (" | ", " — ", " – ", " - ", " :: ", " · ")


@dataclass(frozen=True)
class Fingerprint:
    """Everything the story layers compare, computed once per article text."""

    n_tokens: int
    n_shingles: int
    text_key: int | None  # hash of the normalised token sequence (None when too short)
    minhash: np.ndarray | None  # uint32[NUM_PERM]
    bands: tuple[int, ...]  # signed 64-bit LSH bucket keys, one per band
    facts: tuple[str, ...]  # "context\tkind\tvalue"


def signed64(data: bytes) -> int:
    """First 8 bytes of blake2b as a signed BIGINT (stable across processes and machines)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def normalize_text(text: str) -> str:
    """NFKC, lowercase, unified quotes/dashes, one space between words."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Word tokens of the normalised text (numbers keep their separators: 7,800 / 1.3 / 24-hour)."""
    return _WORD.findall(normalize_text(text))


_TOKEN_CACHE: dict[str, int] = {}


def _token_hashes(tokens: list[str]) -> np.ndarray:
    """crc32 of each token (memoised: news vocabulary repeats)."""
    cache = _TOKEN_CACHE
    values = list(map(cache.get, tokens))
    if None in values:
        if len(cache) > 2_000_000:
            cache.clear()
        for t in tokens:
            if t not in cache:
                cache[t] = zlib.crc32(t.encode())
        values = list(map(cache.__getitem__, tokens))
    return np.array(values, dtype=np.uint64)


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5, 0xFF51AFD7ED558CCD,
                 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB], dtype=np.uint64)  # fmt: skip


def _fmix64(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def shingle_hashes(tokens: list[str], k: int = SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the word k-grams (a text shorter than k is one shingle)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    h = _token_hashes(tokens)
    k = min(k, len(h))
    n = len(h) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            acc = (acc ^ (h[i:i + n] * _MIX[i % len(_MIX)])) * np.uint64(0x100000001B3)
        acc = _fmix64(acc) & np.uint64(0xFFFFFFFF)
    return np.unique(acc)


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    """datasketch's affine32 permutations for our seed, computed as ``MinHash._init_permutations``
    does (checked against datasketch in tests/test_similarity.py). Not imported from datasketch:
    it pulls in scipy and more, about 30 MB in each fingerprinting worker."""
    gen = np.random.RandomState(MINHASH_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


def _fmix32(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix for the affine32 scheme)."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x85EBCA6B)
    x = x ^ (x >> np.uint32(13))
    x = x * np.uint32(0xC2B2AE35)
    return x ^ (x >> np.uint32(16))


def minhash(shingles: np.ndarray) -> np.ndarray:
    """MinHash (datasketch's affine32 scheme and permutations) of already-hashed shingles ->
    uint32[NUM_PERM]. The same arithmetic as ``datasketch.MinHash.update_batch`` (checked
    value for value in tests/test_similarity.py), done on the whole array at once instead of
    through a Python list of values."""
    a, b = _permutations()
    if len(shingles) == 0:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    with np.errstate(over="ignore"):
        hv = _fmix32(shingles.astype(np.uint32))[:, np.newaxis]
        return (hv * a + b).min(axis=0).astype(np.uint32)


def minhash_reference(shingles: np.ndarray) -> np.ndarray:
    """datasketch's own MinHash of the same shingles (the reference :func:`minhash` follows)."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=int, scheme=MINHASH_SCHEME)
    m.update_batch(shingles.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint32)


def band_keys(sig: np.ndarray) -> tuple[int, ...]:
    """One signed 64-bit bucket key per LSH band (band number mixed in)."""
    rows = sig[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        acc = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        for j in range(ROWS):
            acc = _fmix64(acc ^ (rows[:, j] * _MIX[j]))
    return tuple(acc.view(np.int64).tolist())


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(j: float, n_a: int, n_b: int) -> float:
    """Share of the smaller shingle set found in the larger one, derived from the Jaccard
    estimate and the set sizes (|A∩B| = J(|A|+|B|)/(1+J)); 1.0 for a trimmed copy."""
    small = min(n_a, n_b)
    if small <= 0:
        return 0.0
    return min(1.0, j * (n_a + n_b) / (1.0 + j) / small)


def _number_like(tok: str) -> tuple[str, str] | None:
    """(kind, canonical value) for tokens that carry numbers, dates or ordinals."""
    if tok in MONTHS:
        return "month", MONTHS[tok]
    if tok in WEEKDAYS:
        return "weekday", WEEKDAYS[tok]
    if tok in ORDINALS:
        return "ord", ORDINALS[tok]
    m = _ORDINAL_SUFFIX.match(tok)
    if m:
        return "ord", m.group(1)
    if tok in CARDINALS:
        return "num", CARDINALS[tok]
    if _DIGIT.search(tok):
        return "num", tok.replace(",", "")
    return None


def facts(tokens: list[str], width: int = 2) -> tuple[str, ...]:
    """Runs of number-like tokens keyed by the ``width`` words before and after them.

    "released 7,800 tonnes of water" -> "released|tonnes of\\tnum\\t7800". Two texts that share a
    context but disagree on its value describe different facts (another date, another round).
    """
    out: set[str] = set()
    n = len(tokens)
    numeric = {t for t in set(tokens)
               if t in _NUMBER_WORDS or (not t.isalpha() and _DIGIT.search(t))}
    if not numeric:
        return ()
    starts = [k for k, t in enumerate(tokens) if t in numeric]
    i = -1
    for k in starts:
        if k < i:  # inside the previous run
            continue
        i = k
        j, kinds, values = i, set(), []
        while j < n:
            nl = _number_like(tokens[j])
            if nl is None:
                break
            kinds.add(nl[0])
            values.append(nl[1])
            j += 1
        if values in (["may"], ["mar"]):  # the verb "may", the noun "march"
            i = j
            continue
        if "month" in kinds:
            kind = "date"
            values = [v for v in values if not v.isalpha() or v in MONTHS.values()]
        elif kinds == {"weekday"}:
            kind = "weekday"
        elif "ord" in kinds:
            kind = "ord"
        else:
            kind = "num"
        before = " ".join(tokens[max(0, i - width):i])
        after = " ".join(tokens[j:j + width])
        if before or after:
            out.add(f"{before}|{after}\t{kind}\t{' '.join(values)}")
        i = j
    return tuple(sorted(out))


@dataclass(frozen=True)
class FactComparison:
    agree: int
    conflicts: int
    strong: int  # conflicting dates, weekdays or ordinals ("third round" vs "second round")

    def vetoes(self) -> bool:
        """Different events: a conflicting date/ordinal, or numbers that mostly disagree."""
        return self.strong >= 1 or (self.conflicts >= 2 and self.conflicts >= self.agree)

    def describe(self) -> str:
        return f"facts agree={self.agree} conflict={self.conflicts} strong={self.strong}"


def compare_facts(a: Iterable[str], b: Iterable[str]) -> FactComparison:
    def index(items: Iterable[str]) -> dict[str, tuple[str, set[str]]]:
        out: dict[str, tuple[str, set[str]]] = {}
        for item in items:
            ctx, kind, value = item.split("\t")
            out.setdefault(ctx, (kind, set()))[1].add(value)
        return out

    ia, ib = index(a), index(b)
    agree = conflicts = strong = 0
    for ctx, (kind_a, vals_a) in ia.items():
        if ctx not in ib:
            continue
        kind_b, vals_b = ib[ctx]
        if vals_a & vals_b:
            agree += 1
        elif kind_a == kind_b:  # "on Thursday" vs "on Aug. 24" is a rewrite, not a conflict
            conflicts += 1
            strong += kind_a in ("date", "weekday", "ord")
    return FactComparison(agree, conflicts, strong)


def fingerprint(text: str, min_tokens: int = 40) -> Fingerprint:
    tokens = words(text)
    if len(tokens) < min_tokens:
        return Fingerprint(len(tokens), 0, None, None, (), facts(tokens))
    shingles = shingle_hashes(tokens)
    sig = minhash(shingles)
    return Fingerprint(
        n_tokens=len(tokens),
        n_shingles=int(len(shingles)),
        text_key=signed64(" ".join(tokens).encode()),
        minhash=sig,
        bands=band_keys(sig),
        facts=facts(tokens),
    )


def normalize_title(title: str | None, site: str | None = None) -> str:
    """'Opinion | Water release begins — The Daily' -> 'water release begins'."""
    t = unicodedata.normalize("NFKC", title or "").strip()
    t = _TITLE_PREFIX.sub("", t)
    site_n = " ".join(_WORD.findall((site or "").lower()))
    for sep in _TITLE_SEPARATORS:
        if sep in t:
            head, _, tail = t.rpartition(sep)
            tail_n = " ".join(_WORD.findall(tail.lower()))
            if head and (tail_n == site_n or (site_n and site_n in tail_n)
                         or len(tail_n.split()) <= 3):
                t = head
    return " ".join(_WORD.findall(normalize_text(t)))


def title_key(title: str | None, site: str | None = None, min_words: int = 4) -> int | None:
    norm = normalize_title(title, site)
    return signed64(norm.encode()) if len(norm.split()) >= min_words else None


_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def url_key(url: str) -> str:
    """A looser URL identity than ingest's canonical URL: no scheme, no www./m./amp. host
    prefix, no trailing slash, /amp or index.html suffix, sorted query, no fragment."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    path = parts.path or "/"
    for suffix in ("/amp", ".amp", "/index.html", "/index.htm", "/index.php"):
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
    path = path.rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not k.lower().startswith("utm_") and k.lower() != "amp"))
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    return f"{host}{port}{path}" + (f"?{query}" if query else "")
