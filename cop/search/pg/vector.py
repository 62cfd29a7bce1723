"""A document's text as a tsvector literal, from cop's own analysis (the lemma stream the
Whoosh index gets), so that both backends match the same words. Cast, not `to_tsvector`:
the lexemes are already what a query asks for, and no configuration may change them."""

from functools import cache

from cop.search.analysis import derived_analyzer, exact_analyzer, text_analyzer

DERIVED = "~"  # a derived noun's lexemes are kept apart from the words themselves
EXACT = "="  # so are the words as written (Whoosh's `exact` field)
MAX_POSITION = 16383  # PostgreSQL's highest; later words share it
MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme
MAX_LEXEME_BYTES = 2046


@cache
def _analyzers():
    return text_analyzer(), derived_analyzer(), exact_analyzer()


def quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _add(found: dict[str, list[str]], lexeme: str, position: int, weight: str) -> None:
    if len(lexeme.encode()) > MAX_LEXEME_BYTES:
        return
    positions = found.setdefault(lexeme, [])
    if len(positions) < MAX_POSITIONS:
        positions.append(f"{min(position + 1, MAX_POSITION)}{weight}")


def lexemes(fields: dict) -> tuple[str, set[str]]:
    """The document's tsvector literal, and its words (for the vocabulary): words of the
    title (the text's first line in an opening post or a module) at A (what `title:`
    asks for), of the body at B, the words as written at C (quoted words, phrases and
    exclusions; the same positions as the lemmas, so phrases hold), derived nouns at D."""
    text, heading = fields["text"], fields["heading"]
    title_end = len(heading) if text.startswith(heading) else 0
    words, derived, exact = _analyzers()
    found: dict[str, list[str]] = {}
    for token in words(text, positions=True, chars=True):
        _add(found, token.text, token.pos, "A" if token.startchar < title_end else "B")
    vocabulary = set(found)
    for token in exact(text, positions=True):
        _add(found, EXACT + token.text, token.pos, "C")
    for token in derived(text, positions=True):
        _add(found, DERIVED + token.text, token.pos, "D")
    literal = " ".join(f"{quote(lexeme)}:{','.join(at)}" for lexeme, at in found.items())
    return literal, vocabulary
