"""URL normalisation: one canonical spelling per article URL, plus site/domain helpers.

``normalize_url`` is deliberately conservative: it only rewrites what is known to be
equivalent (case of scheme/host, default ports, fragments, escapes, known tracking
parameters, AMP variants). Anything that is not a plain ``http``/``https`` URL with a host
comes back as ``None`` so the caller can record ``bad_url``.

Tracking parameters removed (names compared case-insensitively):

* any name starting with ``utm_`` (Google Analytics campaign tags) or ``at_`` (AT Internet /
  Piano tags, e.g. BBC ``at_medium=RSS&at_campaign=...``);
* exactly: ``fbclid gclid gclsrc dclid msclkid yclid mc_cid mc_eid igshid _ga _gl ocid
  cmpid cmp xtor ref_src s_cid wt.mc_id mkt_tok _hsenc _hsmi __twitter_impression``
  (``CMP`` is the Guardian's, ``xtor`` AT Internet's, ``ocid`` MSN's);
* ``ref`` only when its value is a feed marker (``rss``, ``rss2``, ``feed``, ``atom``);
* AMP switches: ``amp`` (empty, ``1`` or ``true``), ``outputType=amp``, ``usqp``,
  ``amp_js_v``, ``amp_gsa``.

Kept on purpose: ``feed`` and ``rss`` (WordPress ``?feed=rss2`` and many CMSs use them as
real parameters), ``ref`` with other values, ``id``/``p``/``page`` etc.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

MAX_URL_LENGTH = 8192

TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "at_")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
        "igshid", "_ga", "_gl", "ocid", "cmpid", "cmp", "xtor", "ref_src", "s_cid",
        "wt.mc_id", "mkt_tok", "_hsenc", "_hsmi", "__twitter_impression",
        "usqp", "amp_js_v", "amp_gsa",
    }
)  # fmt: skip
REF_FEED_VALUES: frozenset[str] = frozenset({"rss", "rss2", "feed", "atom"})
AMP_TRUE_VALUES: frozenset[str] = frozenset({"", "1", "true"})

# Two-level public suffixes for the fallback rule when ``tld`` is not importable.
_TWO_LEVEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk",
        "co.jp", "or.jp", "ne.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp", "gr.jp", "lg.jp",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn",
        "com.au", "net.au", "org.au", "gov.au", "edu.au", "abc.net.au",
        "co.kr", "or.kr", "go.kr", "com.hk", "org.hk", "com.tw", "org.tw",
        "com.sg", "com.my", "co.in", "co.nz", "co.za", "com.br", "com.mx", "com.tr",
    }
)  # fmt: skip
_SITE_PREFIXES = ("www.", "m.", "amp.", "mobile.")

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
_QUERY_PART_SAFE = frozenset((_PATH_SAFE | set("?")) - set("&="))
_HEX = frozenset("0123456789abcdefABCDEF")
_HOST_OK = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?$")
_AMP_SUFFIX = re.compile(r"\.amp(?=\.html?$)|\.amp$", re.IGNORECASE)


def _normalize_escapes(text: str, safe: frozenset[str]) -> str:
    """Uppercase ``%xx`` escapes, decode escaped unreserved chars, escape what must be."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            if i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
                decoded = chr(int(text[i + 1 : i + 3], 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                output.append("")
        elif seg == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(seg)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _strip_amp_path(path: str) -> str:
    """Remove AMP path markers repeatedly, so normalising twice changes nothing."""
    while True:
        if path.endswith("/amp/"):
            stripped = path[: -len("amp/")]
        elif path.endswith("/amp"):
            stripped = path[: -len("/amp")] or "/"
        else:
            stripped = _AMP_SUFFIX.sub("", path)
        if stripped == path:
            return path
        path = stripped


def _is_tracking(name: str, value: str) -> bool:
    key = name.lower()
    if key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES):
        return True
    if key == "ref" and value.lower() in REF_FEED_VALUES:
        return True
    if key == "amp" and value.lower() in AMP_TRUE_VALUES:
        return True
    return key == "outputtype" and value.lower() == "amp"


def _clean_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = _normalize_escapes(name, _QUERY_PART_SAFE)
        value = _normalize_escapes(value, _QUERY_PART_SAFE)
        if _is_tracking(unquote_plus(name), unquote_plus(value)):
            continue
        kept.append((name, f"{name}{sep}{value}"))
    kept.sort(key=lambda item: item[0])  # stable: repeated keys keep their order
    return "&".join(text for _, text in kept)


def _encode_host(host: str) -> str | None:
    host = host.lower().rstrip(".")
    if not host:
        return None
    if host.startswith("["):  # IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    if not host.isascii():
        try:
            import idna

            host = idna.encode(host, uts46=True).decode("ascii")
        except Exception:  # noqa: BLE001 - idna raises several types
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                return None
    if not _HOST_OK.match(host) or ".." in host or len(host) > 253:
        return None
    return host


def normalize_url(url: str | None, base: str | None = None) -> str | None:
    """Canonical ``http(s)`` URL, or ``None`` when *url* is unusable (see module docs)."""
    if not url or not isinstance(url, str):
        return None
    url = re.sub(r"[\t\r\n]", "", url.strip())
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    try:
        if base:
            url = urljoin(base.strip(), url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    if parts.username is not None or parts.password is not None:
        return None  # credentials in article URLs are a phishing pattern; never sent
    hostname = parts.hostname or ""
    host = _encode_host(f"[{hostname}]" if ":" in hostname else hostname)
    if host is None:
        return None
    netloc = host
    if port is not None and port != (80 if scheme == "http" else 443):
        netloc = f"{host}:{port}"
    path = _remove_dot_segments(_normalize_escapes(parts.path, _PATH_SAFE)) or "/"
    path = _strip_amp_path(path)
    query = _clean_query(parts.query)
    result = urlunsplit((scheme, netloc, path, query, ""))
    return result if len(result) <= MAX_URL_LENGTH else None


def url_host(url: str) -> str:
    """Lowercase host without ``www.`` (``''`` when *url* has no usable host)."""
    normalized = normalize_url(url)
    host = urlsplit(normalized).hostname or "" if normalized else ""
    return host[4:] if host.startswith("www.") else host


def url_domain(url: str) -> str:
    """Registrable domain (eTLD+1) of *url*, e.g. ``bbc.co.uk`` for ``feeds.bbc.co.uk``.

    Uses the ``tld`` package's bundled public suffix list when importable, else a
    last-two-labels rule that knows common two-level suffixes (co.uk, co.jp, com.au...).
    IP literals are returned as-is; ``''`` when there is no usable host.
    """
    host = url_host(url)
    if not host or host.startswith("[") or re.fullmatch(r"[0-9.]+", host):
        return host
    try:
        from tld import get_fld

        fld = get_fld(host, fix_protocol=True, fail_silently=True)
        if fld:
            return str(fld)
    except Exception:  # noqa: BLE001 - tld missing or broken: fall back
        pass
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LEVEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _site_host(host: str) -> str:
    for prefix in _SITE_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def same_site(a: str, b: str) -> bool:
    """True when *a* and *b* are on the same host (ignoring www./m./amp./mobile.) or
    share a registrable domain (``news.bbc.co.uk`` vs ``www.bbc.co.uk``)."""
    ha, hb = url_host(a), url_host(b)
    if not ha or not hb:
        return False
    if _site_host(ha) == _site_host(hb):
        return True
    da, db = url_domain(a), url_domain(b)
    return bool(da) and da == db


def entry_key(guid: str | None, link: str | None) -> str:
    """Stable identity of a feed entry: its normalised link, else its guid.

    A guid that is itself an http(s) URL is normalised too, so ``?utm_source=rss``
    variants collapse. Raises ``ValueError`` when both are empty.
    """
    for candidate in (link, guid):
        normalized = normalize_url(candidate) if candidate else None
        if normalized:
            return normalized
    text = (guid or "").strip() or (link or "").strip()
    if not text:
        raise ValueError("entry has neither guid nor link")
    return text
