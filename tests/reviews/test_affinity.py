import random
import time

import numpy as np
import pytest

from reviews.assignment.affinity import (
    FRENCH_STOP_WORDS,
    Profile,
    compute_affinity,
    normalise_keyword,
)

OCEAN = Profile(
    id="A1",
    keywords=["Ocean acidification", "Coral reefs", "Carbonate chemistry"],
    text="Ocean acidification and coral reefs: how carbonate chemistry changes the "
    "calcification of reef-building corals under rising CO2.",
)
GRAPHS = Profile(
    id="A2",
    keywords=["Graph algorithms", "Combinatorial optimisation"],
    text="Fast algorithms for minimum-cost flows and matchings in large sparse graphs.",
)
MARINE_CHEMIST = Profile(
    id="E1",
    keywords=["coral reef", "ocean acidification", "marine biogeochemistry"],
    text="I study the carbonate chemistry of seawater and the response of corals to acidification.",
)
ALGORITHMICIST = Profile(
    id="E2",
    keywords=["combinatorial optimisation", "network flows"],
    text="Design and analysis of graph algorithms, network flows and matchings.",
)
HISTORIAN = Profile(
    id="E3",
    keywords=["medieval history", "manuscripts"],
    text="Medieval manuscripts and the history of monastic libraries.",
)


def test_relevant_expert_ranks_above_irrelevant_ones():
    result = compute_affinity(
        applications=[OCEAN, GRAPHS], experts=[MARINE_CHEMIST, ALGORITHMICIST, HISTORIAN]
    )
    assert result.matrix.shape == (2, 3)
    assert ((result.matrix >= 0) & (result.matrix <= 1)).all()
    assert [e for e, _score in result.top_experts("A1")] == ["E1", "E2", "E3"]
    assert result.top_experts("A2", 1)[0][0] == "E2"
    assert result.score("A1", "E1") > 0.3
    assert result.score("A1", "E3") == 0.0


def test_explanation_lists_shared_keywords_and_terms():
    result = compute_affinity(applications=[OCEAN], experts=[MARINE_CHEMIST, HISTORIAN])
    why = result.explain("A1", "E1")
    # the application's spelling, rarer keywords first ("Coral reefs" ~ "coral reef")
    assert set(why.shared_keywords) == {"Ocean acidification", "Coral reefs"}
    assert {"acidification", "carbonate", "coral"} <= set(why.shared_terms)
    assert why.affinity == pytest.approx(0.4 * why.keyword_score + 0.6 * why.text_score)
    nothing = result.explain("A1", "E3")
    assert (nothing.shared_keywords, nothing.shared_terms, nothing.affinity) == ((), (), 0.0)


def test_bigrams_can_be_asked_for_and_name_the_phrase():
    result = compute_affinity(applications=[OCEAN], experts=[MARINE_CHEMIST], ngram_range=(1, 2))
    terms = result.explain("A1", "E1", top=10).shared_terms
    assert "carbonate chemistry" in terms
    assert "carbonate" not in terms  # said once, by the phrase


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Machine-Learning", "machine learning"),
        ("  machine learnings ", "machine learning"),
        ("Écologie des Forêts", "ecologie des foret"),
        ("Analysis", "analysis"),
    ],
)
def test_keywords_are_compared_without_case_accents_or_plural(written, normalised):
    assert normalise_keyword(written) == normalised


def test_french_text_matches_without_stop_words_or_accents():
    application = Profile(
        id="A",
        text="Les réseaux de neurones pour la prévision des crues dans les bassins versants.",
    )
    hydrologist = Profile(id="H", text="Prevision des crues et hydrologie des bassins versants")
    linguist = Profile(id="L", text="Les pronoms et les articles dans la langue de Molière")
    result = compute_affinity(applications=[application], experts=[hydrologist, linguist])
    assert result.score("A", "H") > 0.3
    assert result.score("A", "L") == 0.0  # only function words in common
    assert set(result.explain("A", "H").shared_terms) == {"prevision", "crue", "bassin", "versant"}
    assert {"les", "des", "dans", "pour"} <= FRENCH_STOP_WORDS


def test_weights_are_parameters_and_missing_keywords_mean_text_only():
    no_keywords = Profile(id="E4", text=MARINE_CHEMIST.text)
    experts = [MARINE_CHEMIST, no_keywords]
    keywords_only = compute_affinity(
        applications=[OCEAN], experts=experts, keyword_weight=1, text_weight=0
    )
    text_only = compute_affinity(applications=[OCEAN], experts=experts, keyword_weight=0)
    assert keywords_only.score("A1", "E1") == pytest.approx(keywords_only.keyword_scores[0, 0])
    assert text_only.score("A1", "E1") == pytest.approx(text_only.text_scores[0, 0])
    # no keyword on one side: the keyword signal is absent, not a mismatch
    assert keywords_only.score("A1", "E4") == pytest.approx(keywords_only.text_scores[0, 1])
    with pytest.raises(ValueError, match="weights"):
        compute_affinity(applications=[OCEAN], experts=experts, keyword_weight=0, text_weight=0)


def test_empty_profiles_give_zero_affinity():
    result = compute_affinity(applications=[Profile(id="A")], experts=[Profile(id="E", text="the")])
    assert result.matrix.tolist() == [[0.0]]
    assert result.explain("A", "E").shared_terms == ()


def test_as_dict_matches_the_matrix():
    result = compute_affinity(applications=[OCEAN, GRAPHS], experts=[MARINE_CHEMIST, HISTORIAN])
    as_dict = result.as_dict()
    assert as_dict[("A2", "E3")] == result.matrix[1, 1]
    assert len(as_dict) == 4


@pytest.mark.timeout(60)
def test_thousand_applications_by_three_hundred_experts_is_fast():
    rng = random.Random(4)
    vocabulary = [f"w{i}" for i in range(5000)]
    keywords = [f"keyword {i}" for i in range(500)]
    apps = [
        Profile(
            id=i, keywords=rng.sample(keywords, 5), text=" ".join(rng.choices(vocabulary, k=250))
        )
        for i in range(1000)
    ]
    experts = [
        Profile(
            id=j, keywords=rng.sample(keywords, 8), text=" ".join(rng.choices(vocabulary, k=100))
        )
        for j in range(300)
    ]
    started = time.perf_counter()
    result = compute_affinity(applications=apps, experts=experts)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(3000):
        result.explain(i % 1000, (i * 7) % 300)
    explain_elapsed = time.perf_counter() - started
    print(f"\naffinity 1000 x 300: {elapsed:.2f} s; 3000 explanations: {explain_elapsed:.2f} s")
    assert result.matrix.shape == (1000, 300)
    assert np.isfinite(result.matrix).all()
    assert elapsed < 5
