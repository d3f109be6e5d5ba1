"""Turn fetched HTML bytes into text: BOM, then HTTP header, then <meta>, then detection.

Browsers' rules (WHATWG Encoding) with one pragmatic twist: when the HTTP header and the
page's own <meta> disagree, the label whose decoder accepts the bytes wins, and a clean
multi-byte decode (UTF-8, Shift_JIS, GBK, ...) beats a single-byte one that accepts anything.
"""

from __future__ import annotations

import codecs
import re

# Labels mapped to the superset browsers actually use (WHATWG Encoding Standard).
_ALIASES: dict[str, str] = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
}

# Codecs that decode every byte sequence: a clean decode proves nothing.
_SINGLE_BYTE_PREFIXES = ("cp12", "cp874", "iso8859", "latin", "koi8", "mac", "cp437", "cp85")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_RE = re.compile(
    rb"""<meta\b[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""",
    re.IGNORECASE,
)
_META_WINDOW = 4096


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for an HTTP/HTML charset label, or None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):  # ValueError: a label with a NUL character
        return None
    name = info.name
    # codecs that are not text encodings (base64, zlib, rot13...) or refuse everything ('undefined')
    if name == "undefined" or not getattr(info, "_is_text_encoding", True):
        return None
    # Python's canonical names for a few of the supersets
    return _ALIASES.get(name, name)


def _is_single_byte(encoding: str) -> bool:
    return encoding.replace("-", "").replace("_", "").startswith(_SINGLE_BYTE_PREFIXES)


def _decodes_cleanly(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def sniff_bom(body: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when the body starts with a Unicode byte-order mark."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset declared by <meta charset> or <meta http-equiv content=...> in the first 4 KB."""
    for match in _META_RE.finditer(body[:_META_WINDOW]):
        encoding = normalize_charset(match.group(1).decode("ascii", "replace"))
        if encoding:
            # a <meta> can only be read if the page is ASCII-compatible (WHATWG)
            if encoding.startswith(("utf-16", "utf-32")):
                return "utf-8"
            return encoding
    return None


def detect_charset(body: bytes) -> str | None:
    """charset-normalizer's best guess, or None (binary, empty)."""
    if not body:
        return None
    try:
        from charset_normalizer import from_bytes

        sample = body if len(body) <= 200_000 else body[:100_000] + body[-100_000:]
        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection must never break decoding
        return None
    if best is None:
        return None
    return normalize_charset(best.encoding)


def _pick_declared(body: bytes, header: str | None, meta: str | None) -> str | None:
    if header and (meta is None or meta == header):
        return header if _decodes_cleanly(body, header) else None
    if header and meta:
        header_ok, meta_ok = _decodes_cleanly(body, header), _decodes_cleanly(body, meta)
        if header_ok and meta_ok:
            # both accept the bytes: a multi-byte decoder accepting them is the stronger evidence
            if _is_single_byte(header) and not _is_single_byte(meta) and not body.isascii():
                return meta
            return header
        if header_ok:
            return header
        if meta_ok:
            return meta
        return None
    if meta:
        return meta if _decodes_cleanly(body, meta) else None
    return None


def decode_html(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, encoding used). Never raises."""
    body = body or b""
    bom = sniff_bom(body)
    if bom:
        encoding, skip = bom
        return body[skip:].decode(encoding, errors="replace"), encoding

    header = normalize_charset(header_charset)
    meta = sniff_meta_charset(body)
    chosen = _pick_declared(body, header, meta)
    if chosen:
        return body.decode(chosen, errors="replace"), chosen

    if _decodes_cleanly(body, "utf-8"):  # cheap and by far the most common
        return body.decode("utf-8"), "utf-8"
    detected = detect_charset(body)
    if detected and _decodes_cleanly(body, detected):
        return body.decode(detected), detected
    # a declared label that did not decode cleanly is still a better bet than nothing
    for fallback in (header, meta, detected):
        if fallback:
            return body.decode(fallback, errors="replace"), fallback
    return body.decode("utf-8", errors="replace"), "utf-8"
