"""Expertise affinity between applications and experts, in [0, 1].

Two signals are blended:

* keyword overlap: the normalised keyword sets (case, accents, punctuation and a
  trailing plural "s" ignored) compared by cosine with IDF weights, so a rare
  shared keyword counts for more than one that everybody lists;
* text similarity: TF-IDF cosine (sublinear tf, English and French stop words
  removed; unigrams by default, bigrams on request at about three times the cost)
  between the application's title, abstract and keywords and the expert's
  statement and keywords.

When either side has no keyword the keyword signal carries no information and the
pair is scored on text alone. ``AffinityResult.explain`` lists the shared keywords
and terms that make a pair score high, for staff to check a proposal.
"""

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from reviews.conflicts.matching import fold

# Common French function words, written without regard to accents: they are
# normalised below exactly like the text they are removed from.
# fmt: off
_FRENCH_STOP_WORDS_RAW = frozenset({
    "a", "à", "afin", "ai", "aie", "aient", "ainsi", "alors", "au", "aucun", "aucune", "auquel",
    "aussi", "autre", "autres", "aux", "auxquels", "avaient", "avais", "avait", "avant", "avec",
    "avoir", "ayant", "c", "ça", "car", "ce", "ceci", "cela", "celle", "celles", "celui",
    "cependant", "certain", "certaines", "certains", "ces", "cet", "cette", "ceux", "chaque",
    "chez", "ci", "comme", "comment", "contre", "d", "dans", "de", "depuis", "des", "desquels",
    "dès", "donc", "dont", "du", "duquel", "durant", "elle", "elles", "en", "encore", "entre",
    "est", "et", "étaient", "était", "été", "être", "eu", "eux", "fait", "faire", "fois",
    "font", "hormis", "ici", "il", "ils", "j", "je", "jusqu", "l", "la", "là", "laquelle", "le",
    "lequel", "les", "lesquels", "leur", "leurs", "lors", "lorsque", "lui", "m", "ma", "mais",
    "me", "même", "mêmes", "mes", "moi", "moins", "mon", "n", "ne", "ni", "nos", "notre",
    "nous", "on", "ont", "ou", "où", "par", "parce", "parmi", "pas", "peu", "peut", "peuvent",
    "plupart", "plus", "plusieurs", "pour", "pourquoi", "puis", "qu", "quand", "que", "quel",
    "quelle", "quelles", "quels", "qui", "quoi", "s", "sa", "sans", "se", "selon", "sera",
    "seront", "ses", "si", "sien", "soi", "soit", "son", "sont", "sous", "souvent", "sur", "t",
    "ta", "tandis", "te", "tel", "telle", "telles", "tels", "tes", "toi", "ton", "tous", "tout",
    "toute", "toutes", "très", "tu", "un", "une", "unes", "uns", "vers", "via", "voici",
    "voilà", "vos", "votre", "vous", "y",
})
# fmt: on


FRENCH_STOP_WORDS = frozenset(fold(word) for word in _FRENCH_STOP_WORDS_RAW)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS

_WORD = re.compile(r"[^\W\d_][^\W_]+")


def _stem(token: str) -> str:
    """Merge a plural with its singular ('proteins' -> 'protein'), conservatively."""
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _tokens(folded: str) -> list[str]:
    return [_stem(word) for word in _WORD.findall(folded) if word not in STOP_WORDS]


def normalise_keyword(keyword: str) -> str:
    """'Machine-Learning ' and 'machine learnings' both give 'machine learning'."""
    return " ".join(_stem(word) for word in _WORD.findall(fold(keyword)))


def _keyword_list(keywords: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for keyword in keywords:
        normalised = normalise_keyword(keyword)
        if normalised:
            seen.setdefault(normalised, None)
    return list(seen)


def _identity(items: list[str]) -> list[str]:
    return items


@dataclass(frozen=True)
class Profile:
    """An application (text = title and abstract) or an expert (text = expertise statement)."""

    id: Hashable
    keywords: Sequence[str] = ()
    text: str = ""


@dataclass(frozen=True)
class Explanation:
    affinity: float
    keyword_score: float
    text_score: float
    shared_keywords: tuple[str, ...]
    shared_terms: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class AffinityResult:
    """``matrix[i, j]`` is the affinity of application i with expert j (same orders)."""

    application_ids: tuple[Hashable, ...]
    expert_ids: tuple[Hashable, ...]
    matrix: np.ndarray
    keyword_scores: np.ndarray
    text_scores: np.ndarray
    _app_text: sparse.csr_matrix = field(repr=False)
    _expert_text: sparse.csr_matrix = field(repr=False)
    _terms: np.ndarray = field(repr=False)
    _app_keywords: tuple[dict[str, str], ...] = field(repr=False)
    _expert_keywords: tuple[frozenset[str], ...] = field(repr=False)
    _keyword_idf: dict[str, float] = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_app_row", {a: i for i, a in enumerate(self.application_ids)})
        object.__setattr__(self, "_expert_col", {e: j for j, e in enumerate(self.expert_ids)})

    def score(self, application_id: Hashable, expert_id: Hashable) -> float:
        return float(self.matrix[self._app_row[application_id], self._expert_col[expert_id]])

    def as_dict(self) -> dict[tuple[Hashable, Hashable], float]:
        return {
            (a, e): float(self.matrix[i, j])
            for i, a in enumerate(self.application_ids)
            for j, e in enumerate(self.expert_ids)
        }

    def top_experts(self, application_id: Hashable, n: int = 10) -> list[tuple[Hashable, float]]:
        row = self.matrix[self._app_row[application_id]]
        order = np.argsort(-row, kind="stable")[:n]
        return [(self.expert_ids[j], float(row[j])) for j in order]

    def explain(self, application_id: Hashable, expert_id: Hashable, top: int = 5) -> Explanation:
        """Why this pair scores what it scores: shared keywords (the application's spelling,
        rarest first) and the text terms that contribute most to the cosine."""
        i, j = self._app_row[application_id], self._expert_col[expert_id]
        app_keywords = self._app_keywords[i]
        shared = sorted(
            (k for k in app_keywords if k in self._expert_keywords[j]),
            key=lambda k: (-self._keyword_idf.get(k, 0.0), k),
        )
        app_cols, app_weights = _row(self._app_text, i)
        expert_cols, expert_weights = _row(self._expert_text, j)
        common, in_app, in_expert = np.intersect1d(
            app_cols, expert_cols, assume_unique=True, return_indices=True
        )
        contribution = app_weights[in_app] * expert_weights[in_expert]
        terms: list[str] = []
        for position in np.argsort(-contribution, kind="stable"):
            term = str(self._terms[common[position]])
            words = term.split()
            if any(term == chosen or term in chosen.split() for chosen in terms):
                continue  # already said by a phrase containing it
            covered = [chosen for chosen in terms if chosen in words]
            if covered:  # a phrase replaces the single words it contains
                terms[terms.index(covered[0])] = term
                terms = [t for t in terms if t not in covered[1:]]
            else:
                terms.append(term)
            if len(terms) == top:
                break
        return Explanation(
            affinity=float(self.matrix[i, j]),
            keyword_score=float(self.keyword_scores[i, j]),
            text_score=float(self.text_scores[i, j]),
            shared_keywords=tuple(app_keywords[k] for k in shared[:top]),
            shared_terms=tuple(terms),
        )


def _row(matrix: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def _keyword_scores(
    applications: Sequence[Profile], experts: Sequence[Profile]
) -> tuple[np.ndarray, list[list[str]], list[list[str]], dict[str, float]]:
    app_lists = [_keyword_list(p.keywords) for p in applications]
    expert_lists = [_keyword_list(p.keywords) for p in experts]
    scores = np.zeros((len(applications), len(experts)))
    if not any(app_lists) or not any(expert_lists):
        return scores, app_lists, expert_lists, {}
    vectorizer = TfidfVectorizer(analyzer=_identity, binary=True, norm="l2", dtype=np.float64)
    matrix = vectorizer.fit_transform(app_lists + expert_lists)
    n = len(applications)
    scores = (matrix[:n] @ matrix[n:].T).toarray()
    idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_, strict=True))
    return scores, app_lists, expert_lists, idf


def compute_affinity(
    *,
    applications: Sequence[Profile],
    experts: Sequence[Profile],
    keyword_weight: float = 0.4,
    text_weight: float = 0.6,
    ngram_range: tuple[int, int] = (1, 1),
) -> AffinityResult:
    """Affinity of every application with every expert, in [0, 1]."""
    if keyword_weight < 0 or text_weight < 0 or keyword_weight + text_weight <= 0:
        raise ValueError("weights must be non-negative and not both zero")
    total = keyword_weight + text_weight
    keyword_weight, text_weight = keyword_weight / total, text_weight / total
    n, m = len(applications), len(experts)

    keyword_scores, app_lists, expert_lists, idf = _keyword_scores(applications, experts)

    documents = [f"{p.text}\n{' ; '.join(p.keywords)}" for p in (*applications, *experts)]
    vectorizer = TfidfVectorizer(
        preprocessor=fold,
        tokenizer=_tokens,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        ngram_range=ngram_range,
        dtype=np.float64,
    )
    try:
        text_matrix = vectorizer.fit_transform(documents).tocsr()
        terms = vectorizer.get_feature_names_out()
    except ValueError:  # no usable word at all
        text_matrix = sparse.csr_matrix((n + m, 0))
        terms = np.array([], dtype=object)
    app_text, expert_text = text_matrix[:n], text_matrix[n:]
    text_scores = (app_text @ expert_text.T).toarray() if n and m else np.zeros((n, m))

    both_have_keywords = np.outer(
        np.array([bool(k) for k in app_lists], dtype=bool),
        np.array([bool(k) for k in expert_lists], dtype=bool),
    )
    blended = keyword_weight * keyword_scores + text_weight * text_scores
    matrix = np.clip(np.where(both_have_keywords, blended, text_scores), 0.0, 1.0)

    app_keywords = tuple(
        dict(zip(normalised, _display_keywords(p.keywords), strict=True))
        for normalised, p in zip(app_lists, applications, strict=True)
    )
    return AffinityResult(
        application_ids=tuple(p.id for p in applications),
        expert_ids=tuple(p.id for p in experts),
        matrix=matrix,
        keyword_scores=keyword_scores,
        text_scores=text_scores,
        _app_text=app_text,
        _expert_text=expert_text,
        _terms=terms,
        _app_keywords=app_keywords,
        _expert_keywords=tuple(frozenset(k) for k in expert_lists),
        _keyword_idf=idf,
    )


def _display_keywords(keywords: Sequence[str]) -> list[str]:
    """The first spelling of each distinct normalised keyword, trimmed."""
    seen: dict[str, str] = {}
    for keyword in keywords:
        normalised = normalise_keyword(keyword)
        if normalised:
            seen.setdefault(normalised, " ".join(keyword.split()))
    return list(seen.values())
