"""The words a search draws on besides the user's own: the index terms a `word*` prefix
expands to and the corrections "did you mean" tries. Both come only from terms that occur
in a document the user may read, so nothing a user is shown changes with words written
where they cannot read (a prefix's term limit filled by private words, a correction that
appears or not because a word exists in private text)."""

from flask import current_app
from flask_babel import gettext as _

from cop.errors import Invalid
from cop.search.analysis import fold
from cop.search.collect import Matches

PREFIX_TERMS = 50  # a prefix matches at most this many readable index terms
SUGGESTION_CANDIDATES = 5


class Budget:
    """The work a query may do: the index terms it reads (COP_SEARCH_MAX_TERMS, each
    costs opening and decoding whatever its length) and their postings, term-document
    pairs (COP_SEARCH_MAX_POSTINGS). Counted from the index's document frequencies
    before any posting is read; a prefix's terms count as they are looked at."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.terms = current_app.config["COP_SEARCH_MAX_TERMS"]
        self.postings = current_app.config["COP_SEARCH_MAX_POSTINGS"]
        self.paid: set[tuple[str, str]] = set()

    def spend(self, field: str, text: str) -> None:
        if (field, text) in self.paid:
            return
        self.paid.add((field, text))
        self.terms -= 1
        self.postings -= self.reader.doc_frequency(field, text)
        if self.terms < 0 or self.postings < 0:
            message = _(
                "This search is too broad: add a word or a filter, or put more letters "
                "before the *."
            )
            raise Invalid(message, fields={"q": message})


def _readable(matches: Matches, field: str, text: str) -> int:
    """How many documents the user may read hold the term."""
    return sum(
        len(matches.allowed.intersection(ids)) for ids, _w, _v in matches.postings_of(field, text)
    )


def prefix_terms(matches: Matches, budget: Budget, stem: str) -> list[str]:
    """The first PREFIX_TERMS terms (in index order) starting with `stem` that occur in a
    document the user may read. Every term looked at is paid for from the budget."""
    terms = []
    for term in matches.searcher.reader().expand_prefix("text", stem):
        text = term.decode() if isinstance(term, bytes) else term
        budget.spend("text", text)
        if _readable(matches, "text", text):
            terms.append(text)
            if len(terms) == PREFIX_TERMS:
                break
    return terms


def corrections(matches: Matches, word: str) -> list[str]:
    """Readable terms within two edits of the word (same first letter): nearest first,
    then those in more readable documents."""
    reader = matches.searcher.reader()
    folded = fold(word)
    ranked: dict[str, tuple[int, int]] = {}
    for distance in (1, 2):
        for term in reader.terms_within("text", folded, distance, prefix=1):
            if term == folded or term in ranked:
                continue
            count = _readable(matches, "text", term)
            if count:
                ranked[term] = (distance, -count)
    return sorted(ranked, key=lambda t: (*ranked[t], t))[:SUGGESTION_CANDIDATES]
