from presswatch.language import detect_language, normalize_language_tag

EN = (
    "The city council voted on Thursday evening to turn the disused rail yard along the river "
    "into a public park, ending a debate that has lasted almost a decade."
)
DE = (
    "Der Stadtrat hat am Donnerstagabend beschlossen, den stillgelegten Güterbahnhof am Fluss in "
    "einen öffentlichen Park umzuwandeln, nachdem fast zehn Jahre lang darüber gestritten wurde."
)
JA = "東京都は火曜日、来年度から新しい公園を川沿いに整備すると発表した。計画には遊び場や市民農園が含まれている。"
JA_KANJI_HEAVY = (
    "東京都議会、新公園整備計画承認。総事業費約十億円。来年度着工予定。地域住民歓迎の声。"
)


def test_normalize_tags():
    assert normalize_language_tag("en-US") == "en"
    assert normalize_language_tag("ja-JP") == "ja"
    assert normalize_language_tag("zh-Hans") == "zh"
    assert normalize_language_tag("zh-CN") == "zh"
    assert normalize_language_tag("zh_TW") == "zh"
    assert normalize_language_tag("DE") == "de"
    assert normalize_language_tag("") is None
    assert normalize_language_tag("??") is None


def test_empty_text_is_none():
    assert detect_language("", "en") is None
    assert detect_language("   ", None) is None


def test_agreeing_declaration():
    assert detect_language(EN, "en-GB") == "en"


def test_confident_detection_beats_template_default():
    assert detect_language(DE, "en") == "de"
    assert detect_language(EN, None) == "en"


def test_short_text_trusts_declaration():
    assert detect_language("Hallo Welt", "de-DE") == "de"
    assert detect_language("OK", "fr") == "fr"


def test_kana_means_japanese():
    assert detect_language(JA, None) == "ja"
    assert detect_language(JA, "zh-CN") == "ja"
    assert detect_language(JA_KANJI_HEAVY + "とされる。", "ja") == "ja"


def test_only_the_sample_is_classified():
    from presswatch.language import SAMPLE_CHARS

    german = (DE + " ") * (SAMPLE_CHARS // len(DE) + 1)
    assert len(german) > SAMPLE_CHARS
    assert detect_language(german + EN * 20, "en") == "de"
