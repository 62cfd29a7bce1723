"""How likely each reading of an ambiguous word is, from the index's own text.

pymorphy3's Ukrainian dictionary scores every parse 1.0, so "рік" (year) and "ріка"
(river, whose genitive plural is "рік") would count alike, and the rarer lemma's higher
IDF would put a text about rivers above one about the year. A reading's weight is how
often the index holds the forms of its lemma that no other lemma explains ("року",
"роком" for рік; "ріки", "рікою" for ріка): the documents holding them (`count`, the
backend's document frequency of those exact forms), add-one smoothed, relative to the
best reading's. So the weights are the site's own usage; an index that has neither
reading's telling forms weighs the readings alike, as before. Like IDF, the counts are
the whole index's (an aggregate: one document moves a weight by one count)."""

import time
from collections.abc import Callable
from functools import lru_cache

from flask import current_app

from cop.search.analysis import fold, lemmas, normalize, parses

FLOOR = 0.05  # a reading is never weighed to nothing: its texts are still found
MAX_FORMS = 40  # telling forms counted per reading (a verb's paradigm has over a hundred)
KEEP_SECONDS = 600  # how long a process keeps a word's weights (kept_weights)
KEPT_MAX = 20_000  # words kept per process before the store starts again


@lru_cache(maxsize=20_000)
def telling_forms(word: str) -> tuple[tuple[str, ...], ...]:
    """For each of `lemmas(word)` (a normalized word), in that order, the forms of its
    paradigm as the `exact` field holds them whose only lemma it is; () for a word with
    one reading."""
    found = lemmas(word)
    if len(found) < 2:
        return ()
    forms: dict[str, set[str]] = {lemma: set() for lemma in found}
    for lemma, parse in parses(word):
        for form in parse.lexeme:
            written = normalize(form.word)
            if lemmas(written) == (lemma,):
                forms[lemma].add(fold(written))
    order = lambda form: (len(form), form)  # noqa: E731  the commonest endings are short
    return tuple(tuple(sorted(forms[lemma], key=order))[:MAX_FORMS] for lemma in found)


def weights(word: str, count: Callable[[tuple[str, ...]], int]) -> tuple[float, ...]:
    """One weight per lemma of the word (1.0 for the likeliest reading, and for a reading
    with no form of its own, which nothing tells apart); `count` gives how many
    documents hold some exact forms (Whoosh sums their document frequencies; PostgreSQL
    counts the documents holding any, at most 1,000)."""
    forms = telling_forms(word)
    if not forms:
        return (1.0,) * len(lemmas(word))
    counts = [count(telling) if telling else None for telling in forms]
    best = max((found for found in counts if found is not None), default=0)
    return tuple(1.0 if found is None else max(FLOOR, (found + 1) / (best + 1)) for found in counts)


def kept_weights(word: str, count: Callable[[tuple[str, ...]], int]) -> tuple[float, ...]:
    """weights(), kept by the app for KEEP_SECONDS: where counting costs a statement per
    reading (PostgreSQL), a search repeats none of them for a word searched lately. A
    weight is the site's usage, which the writes of ten minutes barely move."""
    kept = current_app.extensions.setdefault("cop_search_weights", {})
    now = time.monotonic()
    found = kept.get(word)
    if found is not None and found[0] > now:
        return found[1]
    weighed = weights(word, count)
    if len(kept) >= KEPT_MAX:
        kept.clear()
    kept[word] = (now + KEEP_SECONDS, weighed)
    return weighed
