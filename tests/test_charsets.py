import codecs
import os

from presswatch.charsets import decode_html, normalize_charset, sniff_meta_charset

JA = "東京都は火曜日、川沿いに新しい公園を整備すると発表した。住民は長い間待ち望んでいた。"
ZH = "市议会周四晚上通过决议，将河边废弃的铁路货场改建为公共公园。居民们等待绿地已经很久了。"


def page(head: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><p>{body}</p></body></html>"
    )


def test_aliases_follow_browsers():
    assert normalize_charset("Shift_JIS") == "cp932"
    assert normalize_charset("x-sjis") == "cp932"
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset("gbk") == "gb18030"
    assert normalize_charset("EUC-KR") == "cp949"
    assert normalize_charset("ISO-8859-1") == "cp1252"
    assert normalize_charset("us-ascii") == "cp1252"
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset("no-such-charset") is None
    assert normalize_charset(None) is None


def test_shift_jis_declared_only_in_http_equiv_meta():
    raw = page(
        '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', JA
    ).encode("cp932")
    assert sniff_meta_charset(raw) == "cp932"
    text, encoding = decode_html(raw, None)
    assert encoding == "cp932"
    assert JA in text


def test_gb2312_meta_charset():
    raw = page('<meta charset="gb2312">', ZH).encode("gb2312")
    text, encoding = decode_html(raw, None)
    assert encoding == "gb18030"
    assert ZH in text


def test_wrong_latin1_header_loses_to_utf8_meta():
    raw = page('<meta charset="utf-8">', "Café crème — naïve résumé " + JA).encode("utf-8")
    text, encoding = decode_html(raw, "iso-8859-1")
    assert encoding == "utf-8"
    assert "Café crème — naïve résumé" in text and JA in text


def test_header_wins_when_it_decodes_and_meta_agrees_or_is_absent():
    raw = page("", "Café").encode("cp1252")
    text, encoding = decode_html(raw, "ISO-8859-1")
    assert (encoding, "Café" in text) == ("cp1252", True)


def test_header_that_fails_falls_back_to_meta():
    raw = page('<meta charset="shift_jis">', JA).encode("cp932")
    text, encoding = decode_html(raw, "utf-8")
    assert encoding == "cp932" and JA in text


def test_bom_wins_over_everything():
    raw = codecs.BOM_UTF8 + page('<meta charset="iso-8859-1">', "Café").encode("utf-8")
    text, encoding = decode_html(raw, "windows-1252")
    assert encoding == "utf-8" and "Café" in text and not text.startswith("\ufeff")
    raw16 = codecs.BOM_UTF16_LE + page("", JA).encode("utf-16-le")
    text, encoding = decode_html(raw16, None)
    assert encoding == "utf-16-le" and JA in text


def test_no_charset_anywhere_is_detected():
    raw = page("", JA * 3).encode("cp932")
    text, encoding = decode_html(raw, None)
    assert JA in text, encoding
    raw = page("", "Größere Änderungen für Straßenbahn und Bürger in Köln " * 3).encode("cp1252")
    text, _ = decode_html(raw, None)
    assert "Größere Änderungen" in text


def test_binary_garbage_and_empty_do_not_crash():
    for raw in (os.urandom(5000), b"", b"\x00" * 100, b"\xff\xfe\x00", b"<meta charset=bogus>\xff"):
        text, encoding = decode_html(raw, "x-unknown")
        assert isinstance(text, str) and isinstance(encoding, str)
