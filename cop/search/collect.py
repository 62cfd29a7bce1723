"""Finding, counting, ranking and faceting the matches of a query inside the user's
permission filter, in one pass over posting blocks.

Whoosh's own collection walks matches one document at a time in Python, runs the query a
second time to count the total, and walks every match again per facet. Here every query
part becomes a set of document numbers read a block at a time (set operations run in C),
the set is intersected with the permission filter's set once, and only the allowed
matches are scored (BM25F, as Whoosh scores them), sorted, and counted per facet from
column values cached per segment. Phrases are checked by position only on documents that
already contain every word and that the user may read. Query kinds not handled here fall
back to Whoosh's `docs_for_query`, so the sets are always exact."""

import bisect
import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import accumulate

from whoosh import query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from cop.search.index import state

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
# Decoded postings kept per process (about 100 bytes each with their positions).
CACHED_POSTINGS = 1_000_000


def _leaves(searcher: Searcher):
    return searcher.reader().leaf_readers()


def _blocks(leaf, field: str, text: str) -> Iterator:
    """The term's posting blocks in one segment, each as its matcher positioned on it
    (ids, weights and values are read in bulk from `_data`, not one posting at a time)."""
    if (field, text) not in leaf:
        return
    fmt = leaf.schema[field].format
    matcher = leaf._terms.matcher(field, leaf._text_to_bytes(field, text), fmt)
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        yield matcher
        matcher._next_block()


def _block_ids(block):
    ids = block._data[0]
    return list(accumulate(ids) if not block._byteids else ids)


def segment_ids(leaf, field: str, text: str) -> list[int]:
    """The term's document numbers in one segment (deleted ones included), read a block
    at a time and not kept in the postings cache (the permission filter keeps its own)."""
    ids: list[int] = []
    for block in _blocks(leaf, field, text):
        ids.extend(_block_ids(block))
    return ids


def _segment_postings(leaf, field: str, text: str) -> tuple[list, list, list]:
    """The term's postings in one segment: (document numbers, weights, encoded values).
    Cached per segment (a segment's postings never change; deleted documents stay in
    them and the permission set, which holds live documents only, drops them)."""
    st = state()
    segment = leaf.segment()
    key = (segment.segment_id(), field, text) if segment is not None else None
    if key is not None:
        with st.lock:
            found = st.postings.get(key)
            if found is not None:
                st.postings.move_to_end(key)
                return found
    ids, weights, values = [], [], []
    for block in _blocks(leaf, field, text):
        block._read_weights()
        block._read_values()
        ids.extend(_block_ids(block))
        weights.extend(block._weights)
        values.extend(block._values)
    found = (ids, weights, values)
    if key is not None:
        with st.lock:
            st.postings[key] = found
            st.postings_size += len(ids)
            while st.postings_size > CACHED_POSTINGS and len(st.postings) > 1:
                _key, (old, _w, _v) = st.postings.popitem(last=False)
                st.postings_size -= len(old)
    return found


def _postings(searcher: Searcher, field: str, text: str) -> list[tuple[list, list, list]]:
    """The term's postings per segment, with global document numbers."""
    found = []
    for leaf, offset in _leaves(searcher):
        ids, weights, values = _segment_postings(leaf, field, text)
        if ids:
            found.append(([offset + i for i in ids] if offset else ids, weights, values))
    return found


class Matches:
    """The allowed documents matching a query, with what ranking needs."""

    def __init__(self, searcher: Searcher, allowed: set[int] | frozenset[int]) -> None:
        self.searcher = searcher
        self.allowed = allowed
        self.postings: dict[tuple[str, str], list] = {}
        self.frequencies: dict[tuple[str, str], dict[int, float]] = {}

    def postings_of(self, field: str, text: str) -> list[tuple[list, object, list]]:
        key = (field, text)
        if key not in self.postings:
            self.postings[key] = _postings(self.searcher, field, text)
        return self.postings[key]

    def _term(self, field: str, text: str) -> dict[int, float]:
        """Document number -> term frequency."""
        key = (field, text)
        if key not in self.frequencies:
            found: dict[int, float] = {}
            for ids, weights, _values in self.postings_of(field, text):
                found.update(zip(ids, weights, strict=True))
            self.frequencies[key] = found
        return self.frequencies[key]

    def _positions(self, field: str, text: str, docs: set[int]) -> dict[int, tuple[int, ...]]:
        """Document number -> positions of the term, for the given documents only. The
        decoded positions replace the encoded ones in the process's postings cache, so a
        phrase asked again decodes nothing."""
        decode = self.searcher.schema[field].format.decode_positions
        found = {}
        for ids, _weights, values in self.postings_of(field, text):
            if len(docs) * 8 < len(ids):  # a few documents: look each one up
                at = (bisect.bisect_left(ids, doc) for doc in docs)
                indexes = [i for i in at if i < len(ids) and ids[i] in docs]
            else:
                indexes = [i for i, doc in enumerate(ids) if doc in docs]
            for i in indexes:
                value = values[i]
                if type(value) is bytes:
                    value = values[i] = tuple(decode(value))
                found[ids[i]] = value
        return found

    def docs(self, q: query.Query) -> set[int]:
        """The allowed documents that match `q`."""
        if isinstance(q, query.Term):
            return self.allowed.intersection(self._term(q.fieldname, q.text))
        if isinstance(q, query.Every):
            return set(self.allowed)
        if isinstance(q, query.NullQuery.__class__):
            return set()
        if isinstance(q, query.AndNot):
            return self.docs(q.a) - self.docs(q.b)
        if isinstance(q, query.And):
            found = None
            for sub in q.subqueries:
                found = self.docs(sub) if found is None else found & self.docs(sub)
                if not found:
                    return set()
            return found if found is not None else set(self.allowed)
        if isinstance(q, query.Or):
            found = set()
            for sub in q.subqueries:
                found |= self.docs(sub)
            return found
        if isinstance(q, query.Sequence) and all(_is_word(s) for s in q.subqueries):
            return self._phrase(q)
        return self.allowed.intersection(self.searcher.docs_for_query(q))

    def _phrase(self, q: query.Sequence) -> set[int]:
        """Documents with the words in sequence, checked word by word: a word's positions
        are read only for the documents where the words before it are in sequence."""
        alive = self.docs(query.And(q.subqueries))
        ends: dict[int, set[int]] = {}  # document -> positions where the sequence so far ends
        for n, sub in enumerate(q.subqueries):
            if not alive:
                break
            positions: dict[int, set[int]] = {}
            for field, text in _word_terms(sub):
                for doc, found_at in self._positions(field, text, alive).items():
                    positions.setdefault(doc, set()).update(found_at)
            if n == 0:
                ends = positions
            else:
                steps = range(1, q.slop + 1)
                ends = {
                    doc: {p for p in found_at if any(p - step in ends[doc] for step in steps)}
                    for doc, found_at in positions.items()
                    if doc in ends
                }
            ends = {doc: found_at for doc, found_at in ends.items() if found_at}
            alive = set(ends)
        return alive

    def scores(self, docs: set[int], terms: list[tuple[str, str, float]]) -> dict[int, float]:
        """BM25F over the given documents for the query's positive terms, in document
        order (so that equal scores rank the older document first, as Whoosh does)."""
        searcher = self.searcher
        scores = dict.fromkeys(sorted(docs), 0.0)
        for field, text, weight in terms:
            length = lengths(searcher, field)
            freqs = self._term(field, text)
            idf = searcher.idf(field, text)
            avgfl = searcher.avg_field_length(field) or 1
            factor, base, slope = weight * idf * (K1 + 1), K1 * (1 - B), K1 * B / avgfl
            for doc in docs.intersection(freqs):
                tf = freqs[doc]
                scores[doc] += factor * tf / (tf + base + slope * (length(doc) or 1))
        return scores


def _is_word(q: query.Query) -> bool:
    return isinstance(q, query.Term) or (
        isinstance(q, query.Or) and all(isinstance(s, query.Term) for s in q.subqueries)
    )


def _word_terms(q: query.Query) -> list[tuple[str, str]]:
    subs = [q] if isinstance(q, query.Term) else q.subqueries
    return [(s.fieldname, s.text) for s in subs]


SCORED_FIELDS = ("text", "derived", "exact", "title")


def scoring_terms(queries: list[query.Query]) -> list[tuple[str, str, float]]:
    """The (field, text, weight) of the queries' words; a term asked twice counts once,
    at its highest weight."""
    terms: dict[tuple[str, str], float] = {}
    for q in queries:
        for leaf in [q] if isinstance(q, query.Term) else q.leaves():
            if isinstance(leaf, query.Term) and leaf.fieldname in SCORED_FIELDS:
                key = (leaf.fieldname, leaf.text)
                terms[key] = max(terms.get(key, 0.0), leaf.boost)
    return [(field, text, weight) for (field, text), weight in terms.items()]


def top(scores: dict[int, float], n: int) -> list[tuple[float, int]]:
    """The n best (score, document) pairs; `scores` in document order breaks ties."""
    return [(scores[doc], doc) for doc in heapq.nlargest(n, scores, key=scores.__getitem__)]


def newest(searcher: Searcher, docs: set[int], n: int) -> list[tuple[float, int]]:
    created = column(searcher, "created")
    best = heapq.nlargest(n, docs, key=lambda d: (created(d), -d))
    return [(0.0, doc) for doc in best]


def _cached(searcher: Searcher, name: str, load: Callable) -> Callable[[int], object]:
    """A function from document number to a per-document value, over lists cached per
    segment (a segment's column values and field lengths never change)."""
    st = state()
    values, starts = [], []
    for leaf, offset in _leaves(searcher):
        segment = leaf.segment()
        key = (segment.segment_id(), name) if segment is not None else None
        with st.lock:
            cached = st.columns.get(key) if key else None
        if cached is None:
            cached = load(leaf)
            if key:
                with st.lock:
                    st.columns[key] = cached
        values.append(cached)
        starts.append(offset)
    if len(values) == 1:
        return values[0].__getitem__

    def lookup(doc: int):
        i = bisect.bisect_right(starts, doc) - 1
        return values[i][doc - starts[i]]

    return lookup


def column(searcher: Searcher, field: str) -> Callable[[int], object]:
    return _cached(searcher, field, lambda leaf: list(leaf.column_reader(field, translate=True)))


def lengths(searcher: Searcher, field: str) -> Callable[[int], int]:
    """Document number -> the field's length in words (as Whoosh's scoring sees it)."""

    def load(leaf) -> list[int]:
        column = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            return [0] * leaf.doc_count_all()
        return [byte_to_length(b) if b else 0 for b in column]

    return _cached(searcher, "#length " + field, load)


def facet_counts(searcher: Searcher, docs: set[int], names) -> dict[str, dict[str, int]]:
    facets = {}
    for name in names:
        counts = Counter(map(column(searcher, name), docs))
        facets[name] = {str(k): v for k, v in counts.items() if k not in (None, "", b"")}
    return facets
