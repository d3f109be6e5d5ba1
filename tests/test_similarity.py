"""Fingerprints: normalisation, MinHash estimates, titles, URL keys and the fact veto."""

from __future__ import annotations

import numpy as np
from presswatch import similarity as sim

WIRE = (
    "TOKYO, Oct 5 (Wire) - The operator of Japan's crippled Fukushima nuclear plant on Thursday "
    "began the second release of treated radioactive water into the Pacific Ocean. Tokyo Electric "
    "Power said it planned to discharge about 7,800 tonnes of water over about 17 days in this "
    "round. China has banned all seafood imports from Japan since the first release began, a move "
    "Tokyo has called scientifically unfounded. The plant was wrecked by a massive earthquake and "
    "tsunami in March 2011 that caused three reactor meltdowns."
)


def test_words_keep_numbers_and_normalise_case_and_quotes() -> None:
    assert sim.words("It’s 7,800 TONNES, 1.3 million!") == ["it's", "7,800", "tonnes", "1.3", "million"]


def test_minhash_estimates_jaccard_of_shingle_sets() -> None:
    rng = np.random.default_rng(3)
    a = rng.choice(2**32, size=600, replace=False).astype(np.uint64)
    b = np.concatenate([a[:400], rng.choice(2**32, size=200, replace=False).astype(np.uint64)])
    true = len(set(a.tolist()) & set(b.tolist())) / len(set(a.tolist()) | set(b.tolist()))
    est = sim.jaccard(sim.minhash(a), sim.minhash(b))
    assert abs(est - true) < 0.12
    assert sim.jaccard(sim.minhash(a), sim.minhash(a)) == 1.0


def test_fingerprint_is_deterministic_and_has_one_bucket_per_band() -> None:
    one, two = sim.fingerprint(WIRE), sim.fingerprint(WIRE)
    assert one.text_key == two.text_key and one.bands == two.bands
    assert len(one.bands) == sim.BANDS
    assert np.array_equal(one.minhash, two.minhash)


def test_short_text_has_no_signature() -> None:
    fp = sim.fingerprint("Subscribe to read the full story.")
    assert fp.minhash is None and fp.text_key is None and fp.bands == ()


def test_trimmed_copy_has_high_containment() -> None:
    full = sim.fingerprint(WIRE + " " + WIRE.replace("second", "next").upper())
    half = sim.fingerprint(WIRE)
    j = sim.jaccard(full.minhash, half.minhash)
    assert sim.containment(j, full.n_shingles, half.n_shingles) > 0.8


def test_titles_lose_decorations() -> None:
    assert sim.normalize_title("Opinion | Water release begins — The Daily", "The Daily") == (
        "water release begins")
    assert sim.normalize_title("UPDATE 2-Japan begins water release - Wire") == (
        "japan begins water release")
    assert sim.title_key("Live updates") is None  # too short to identify an article
    assert sim.title_key("Analysis: EU judges back Commission | Brussels Insider",
                         "Brussels Insider") == sim.title_key("EU judges back Commission")


def test_url_key_folds_variants() -> None:
    key = sim.url_key("https://www.example.com/news/story-1/")
    assert sim.url_key("http://example.com/news/story-1") == key
    assert sim.url_key("https://m.example.com/news/story-1/amp") == key
    assert sim.url_key("https://example.com/news/story-1?utm_source=x#top") == key
    assert sim.url_key("https://example.com/news/story-2") != key
    assert sim.url_key("https://example.com/a?b=2&a=1") == sim.url_key("https://example.com/a?a=1&b=2")


def test_another_round_is_vetoed() -> None:
    second, third = sim.words(WIRE), sim.words(WIRE.replace("second", "third").replace("Oct 5", "Nov 2"))
    cmp = sim.compare_facts(sim.facts(second), sim.facts(third))
    assert cmp.strong >= 1 and cmp.vetoes()


def test_rewritten_date_and_one_corrected_number_do_not_veto() -> None:
    a = sim.facts(sim.words("The release began on Thursday and killed at least 12 people, "
                            "officials said on Monday in the capital."))
    b = sim.facts(sim.words("The release began on Oct. 5 and killed at least 14 people, "
                            "officials said on Monday in the capital."))
    cmp = sim.compare_facts(a, b)
    assert cmp.conflicts == 1 and cmp.strong == 0 and not cmp.vetoes()


def test_numbers_that_mostly_disagree_veto() -> None:
    a = sim.facts(sim.words("Nikkei rose 0.5 per cent to close at 40,109 while Topix gained 0.3 per cent to 2,719"))
    b = sim.facts(sim.words("Nikkei rose 0.2 per cent to close at 40,097 while Topix gained 0.1 per cent to 2,716"))
    assert sim.compare_facts(a, b).vetoes()


def test_may_as_a_verb_is_not_a_date() -> None:
    assert sim.facts(sim.words("prices may rise further")) == ()


def test_vectorised_minhash_equals_datasketch() -> None:
    """similarity.minhash is datasketch's affine32 MinHash, value for value (stored signatures
    stay comparable whichever computed them)."""
    import random

    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(500)]
    for n in (1, 4, 5, 60, 400):
        tokens = [rng.choice(vocab) for _ in range(n)]
        sh = sim.shingle_hashes(tokens)
        assert (sim.minhash(sh) == sim.minhash_reference(sh)).all()
    from datasketch import MinHash

    theirs = MinHash(num_perm=sim.NUM_PERM, seed=sim.MINHASH_SEED, scheme=sim.MINHASH_SCHEME)
    assert (np.asarray(theirs.permutations) == sim._permutations()).all()
    assert sim._permutations().dtype == np.asarray(theirs.permutations).dtype
