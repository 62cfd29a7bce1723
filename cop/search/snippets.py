"""Highlighted snippets of a hit's stored text, without running the index's analyzer again.

Whoosh's highlighter re-analyses each hit's whole text through the analysis chain (one
token object through four filters per word): on the ten hits of a page that was a third
of a common-word search's time. Here the words are found with the analyzer's own pattern
and matched by their lemmas from `analysis.lemmas`' cache (the same terms the index
holds), so a word is highlighted exactly when the index matched it. Each fragment is
SNIPPET_CHARS at most, with some context around its matches; the two with the most
distinct matched words are shown in text order, joined by " … ", on one line."""

import re
from functools import lru_cache

from markupsafe import Markup, escape

from cop.search.analysis import EN_STOP, UK_STOP, WORD_RE, fold, lemmas, normalize
from cop.search.derivation import noun_of

SNIPPET_CHARS = 240
CONTEXT_CHARS = 60
FRAGMENTS = 2
BETWEEN = " … "
_SPACES = re.compile(r"\s+")


def _flat(text: str) -> str:
    """Line breaks and runs of spaces as one space: a snippet is one line of text."""
    return _SPACES.sub(" ", text)


@lru_cache(maxsize=200_000)
def _word_terms(raw: str) -> frozenset[str]:
    """The index terms of a word as written, with the nouns it derives from (none for a
    stop word)."""
    word = normalize(raw)
    if word in UK_STOP or word in EN_STOP:
        return frozenset()
    found = lemmas(word)
    return frozenset([fold(word), *found, *filter(None, map(noun_of, found))])


def prefixed(text: str, stems: list[str]) -> set[str]:
    """The index terms of the text's words that begin with one of `stems`: what a
    `word*` matched in it, to be marked."""
    return {
        term
        for m in WORD_RE.finditer(text)
        for term in _word_terms(m.group())
        if term.startswith(tuple(stems))
    }


def _matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, lowercased word) of every word whose lemmas are among `terms`."""
    return [
        (m.start(), m.end(), m.group().lower())
        for m in WORD_RE.finditer(text)
        if not terms.isdisjoint(_word_terms(m.group()))
    ]


def _fragments(text: str, matches: list[tuple[int, int, str]]) -> list[tuple[int, int, list]]:
    """Matches grouped into windows of at most SNIPPET_CHARS, with context around."""
    groups: list[list] = []
    for match in matches:
        if groups and match[1] - groups[-1][0][0] <= SNIPPET_CHARS - 2 * CONTEXT_CHARS:
            groups[-1].append(match)
        else:
            groups.append([match])
    fragments = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        room = max(0, SNIPPET_CHARS - (end - start)) // 2
        start = _word_start(text, max(0, start - min(room, CONTEXT_CHARS)))
        end = _word_end(text, min(len(text), end + min(room, CONTEXT_CHARS)))
        fragments.append((start, end, group))
    return fragments


def _word_start(text: str, i: int) -> int:
    """`i`, or the start of the next word when `i` falls inside one."""
    if i == 0 or not text[i - 1].isalnum():
        return i
    while i < len(text) and text[i].isalnum():
        i += 1
    return i


def _word_end(text: str, i: int) -> int:
    """`i`, or the end of the previous word when `i` falls inside one."""
    if i == len(text) or not text[i].isalnum():
        return i
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return i


def _marked(text: str, start: int, end: int, group: list) -> str:
    out, at = [], start
    for m_start, m_end, _word in group:
        out.append(escape(_flat(text[at:m_start])))
        out.append(Markup("<mark>%s</mark>") % text[m_start:m_end])
        at = m_end
    out.append(escape(_flat(text[at:end])))
    return "".join(out).strip()


def snippet(text: str, terms: frozenset[str]) -> Markup | None:
    """The best fragments of `text` with the words matching `terms` marked, or None if
    no word matches."""
    matches = _matches(text, terms)
    if not matches:
        return None
    fragments = _fragments(text, matches)
    best = sorted(fragments, key=lambda f: (-len({w for *_, w in f[2]}), -len(f[2]), f[0]))
    chosen = sorted(best[:FRAGMENTS])
    return Markup(BETWEEN.join(_marked(text, *fragment) for fragment in chosen))


def opening(text: str) -> Markup:
    """The start of `text`, for a hit whose matches are elsewhere (its title)."""
    cut = _flat(text[:SNIPPET_CHARS]).strip()
    return escape(cut + ("…" if len(text) > SNIPPET_CHARS else ""))
