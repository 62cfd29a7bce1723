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

from whoosh import query
from whoosh.searching import Searcher

from cop.search.index import state

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults


def _leaves(searcher: Searcher):
    return searcher.reader().leaf_readers()


def _term_docs(searcher: Searcher, field: str, text: str) -> dict[int, float]:
    """Document number -> term frequency, read a block at a time. Deleted documents may
    be in it: the permission set (live documents only) removes them."""
    found: dict[int, float] = {}
    for leaf, offset in _leaves(searcher):
        if (field, text) not in leaf:
            continue
        fmt = leaf.schema[field].format
        matcher = leaf._terms.matcher(field, leaf._text_to_bytes(field, text), fmt)
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids = matcher._ids
            if offset:
                ids = [offset + i for i in ids]
            found.update(zip(ids, matcher._weights, strict=True))
            matcher._next_block()
    return found


class Matches:
    """The allowed documents matching a query, with what ranking needs."""

    def __init__(self, searcher: Searcher, allowed: set[int]) -> None:
        self.searcher = searcher
        self.allowed = allowed
        self.frequencies: dict[tuple[str, str], dict[int, float]] = {}

    def _term(self, field: str, text: str) -> dict[int, float]:
        key = (field, text)
        if key not in self.frequencies:
            self.frequencies[key] = _term_docs(self.searcher, field, text)
        return self.frequencies[key]

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
        candidates = self.docs(query.And(q.subqueries))
        if not candidates:
            return candidates
        words = [_word_terms(s) for s in q.subqueries]
        found = set()
        for leaf, offset in _leaves(self.searcher):
            end = offset + leaf.doc_count_all()
            local = sorted(d - offset for d in candidates if offset <= d < end)
            if not local:
                continue
            matchers = [
                [leaf.postings(f, t) for f, t in terms if (f, t) in leaf] for terms in words
            ]
            for doc in local:
                positions = [_positions(ms, doc) for ms in matchers]
                if _in_sequence(positions, q.slop):
                    found.add(doc + offset)
        return found

    def scores(self, docs: set[int], terms: list[tuple[str, str]]) -> dict[int, float]:
        """BM25F over the given documents for the query's positive terms."""
        searcher = self.searcher
        scores = dict.fromkeys(docs, 0.0)
        if not terms or not docs:
            return scores
        lengths: dict[int, int] = {}
        for field, text in terms:
            idf = searcher.idf(field, text)
            avgfl = searcher.avg_field_length(field) or 1
            for doc, tf in self._term(field, text).items():
                if doc not in scores:
                    continue
                fl = lengths.get(doc)
                if fl is None:
                    fl = lengths[doc] = searcher.doc_field_length(doc, field, 1)
                scores[doc] += idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))
        return scores


def _is_word(q: query.Query) -> bool:
    return isinstance(q, query.Term) or (
        isinstance(q, query.Or) and all(isinstance(s, query.Term) for s in q.subqueries)
    )


def _word_terms(q: query.Query) -> list[tuple[str, str]]:
    subs = [q] if isinstance(q, query.Term) else q.subqueries
    return [(s.fieldname, s.text) for s in subs]


def _positions(matchers, doc: int) -> set[int]:
    found = set()
    for m in matchers:
        if m.is_active() and m.id() < doc:
            m.skip_to(doc)
        if m.is_active() and m.id() == doc:
            found.update(m.value_as("positions"))
    return found


def _in_sequence(positions: list[set[int]], slop: int) -> bool:
    """Whether some position of each word follows the previous word's within `slop`."""
    current = positions[0]
    for following in positions[1:]:
        current = {p for p in following if any(p - s in range(1, slop + 1) for s in current)}
        if not current:
            return False
    return bool(current)


def scoring_terms(queries: list[query.Query]) -> list[tuple[str, str]]:
    terms = []
    for q in queries:
        for field, text in q.iter_all_terms():
            if field == "text" and (field, text) not in terms:
                terms.append((field, text))
    return terms


def top(scores: dict[int, float], n: int) -> list[tuple[float, int]]:
    """The n best (score, document) pairs, ties by document number, as Whoosh orders."""
    best = heapq.nsmallest(n, scores.items(), key=lambda item: (-item[1], item[0]))
    return [(score, doc) for doc, score in best]


def newest(searcher: Searcher, docs: set[int], n: int) -> list[tuple[float, int]]:
    created = column(searcher, "created")
    best = heapq.nlargest(n, docs, key=lambda d: (created(d), -d))
    return [(0.0, doc) for doc in best]


def column(searcher: Searcher, field: str):
    """A function from document number to the field's column value, over lists cached
    per segment (a segment's column values never change)."""
    st = state()
    values, starts = [], []
    for leaf, offset in _leaves(searcher):
        segment = leaf.segment()
        key = (segment.segment_id(), field) if segment is not None else None
        with st.lock:
            cached = st.columns.get(key) if key else None
        if cached is None:
            cached = list(leaf.column_reader(field, translate=True))
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


def facet_counts(searcher: Searcher, docs: set[int], names) -> dict[str, dict[str, int]]:
    facets = {}
    for name in names:
        counts = Counter(map(column(searcher, name), docs))
        facets[name] = {str(k): v for k, v in counts.items() if k not in (None, "", b"")}
    return facets
