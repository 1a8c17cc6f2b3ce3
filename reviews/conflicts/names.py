"""Finding people and units by name in conflict detection: an index of names scored by word
similarity (initials and accents tolerated), and an index of partner units by what free
text may call them (code, RNSR identifier, acronym). Pure, like the detection itself."""

from collections import defaultdict
from collections.abc import Sequence

from reviews.conflicts.matching import (
    name_tokens,
    token_similarity,
    unit_acronym_key,
    unit_label_code,
    unit_mentions,
    word_ratio,
)
from reviews.conflicts.policy import DetectionPolicy


def block_keys(token: str) -> tuple[str, str]:
    """The keys under which ``word_ratio`` can find a match for this word."""
    return f"<{token[:2]}", f"{token[-2:]}>"


class NameIndex:
    """Experts' names by word. A name is scored only against the experts having a word
    that matches one of its words (``word_ratio`` >= 0.8), found through the blocks of
    words sharing their first or last two letters."""

    def __init__(self, names: Sequence[str]):
        self.tokens = [name_tokens(name) for name in names]
        self.experts_with: dict[str, set[int]] = defaultdict(set)
        self.blocks: dict[str, set[str]] = defaultdict(set)
        for ix, tokens in enumerate(self.tokens):
            for token in tokens:
                if len(token) > 1:
                    self.experts_with[token].add(ix)
                    for key in block_keys(token):
                        self.blocks[key].add(token)
        self.cache: dict[tuple[str, ...], list[tuple[int, float]]] = {}

    def matches(self, name: str, threshold: float) -> list[tuple[int, float]]:
        tokens = name_tokens(name)
        if tokens not in self.cache:
            candidates: set[int] = set()
            for token in (t for t in tokens if len(t) > 1):
                words = set().union(*(self.blocks.get(key, ()) for key in block_keys(token)))
                for word in words:
                    if word_ratio(token, word) >= 0.8:
                        candidates |= self.experts_with[word]
            scored = ((ix, token_similarity(tokens, self.tokens[ix])) for ix in sorted(candidates))
            self.cache[tokens] = [(ix, score) for ix, score in scored if score >= threshold]
        return self.cache[tokens]


class UnitNames:
    """Partner units by what free text may call them: code, RNSR identifier, acronym."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, object], list[tuple[int, str]]] = defaultdict(list)

    def add(self, kind: str, key, a: int, label: str) -> None:
        if key and (a, label) not in self.by_key[(kind, key)]:
            self.by_key[(kind, key)].append((a, label))

    def named_in(self, text: str) -> list[tuple[int, str]]:
        if not text or not self.by_key:
            return []
        mentions = unit_mentions(text)
        keys = [("code", code) for code in mentions.codes]
        keys += [("rnsr", rnsr) for rnsr in mentions.rnsr]
        keys += [("acronym", word) for word in mentions.words]
        return [found for key in keys for found in self.by_key.get(key, ())]


def index_unit_names(names: UnitNames, a: int, partner, policy: DetectionPolicy) -> None:
    """Index a partner's unit (of application ``a``) under its code, RNSR and acronym."""
    label = " ".join(filter(None, (partner.unit_label, partner.unit_acronym))) or str(
        partner.unit_id
    )
    names.add("code", unit_label_code(partner.unit_label), a, label)
    names.add("rnsr", partner.unit_rnsr.strip().upper(), a, label)
    names.add("acronym", unit_acronym_key(partner.unit_acronym, policy), a, label)
