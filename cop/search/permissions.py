"""The policy's SearchScope as an index query, and the document set it allows, which every
search runs inside: totals, facets, snippets, prefixes and suggestions only ever see what
the user may read.

The set is kept per segment, not per index generation: a segment never changes but for
its deletions, so what a scope allows in it is computed once (as set operations on the
segment's posting lists of the permission fields, which are kept per segment as well)
and every later generation reuses it, subtracting its deletions. A write adds a small
segment, and only that one is evaluated on the next search; a membership change makes a
new scope for that person only. Merges make new segments, evaluated again on first use."""

from whoosh import query
from whoosh.searching import Searcher

from cop.policy import SearchScope
from cop.search.collect import segment_ids
from cop.search.index import state

# Document numbers kept per process over all (segment, scope) sets, least recently used
# dropped first (at 100,000 posts a member's set is ~60,000).
CACHED_ALLOWED = 2_000_000
JOINED_VIEWS = 16  # joined sets kept (views of the index x scopes)


def _any(field: str, values) -> query.Query:
    return query.Or([query.Term(field, str(v)) for v in sorted(values)])


def permission_query(scope: SearchScope) -> query.Query:
    own = query.Term("author", str(scope.user_id)) if scope.user_id else query.NullQuery
    addressed = query.Term("audience", str(scope.user_id)) if scope.user_id else query.NullQuery
    clauses = [
        _any("space", scope.spaces),
        query.Or([query.Term("internal", "0"), _any("space", scope.internal)]),
        query.Or(
            [
                _any("space", scope.moderated),
                query.And(
                    [
                        query.Or(
                            [
                                query.Term("private", "0"),
                                addressed,
                                _any("space", scope.coached),
                                _any("group", scope.coached_groups),
                            ]
                        ),
                        query.Or(
                            [
                                query.Term("first", "1"),
                                own,
                                query.Not(_any("space", scope.qanda)),
                                _any("discussion", scope.unlocked),
                            ]
                        ),
                        query.Or([query.Term("hidden", "0"), own]),
                    ]
                ),
            ]
        ),
    ]
    if scope.timed_out:
        clauses.append(query.Not(_any("discussion", scope.timed_out)))
    if scope.grouped:
        clauses.append(
            query.Or(
                [
                    query.Not(_any("space", scope.grouped)),
                    _any("group", {"all", *map(str, scope.groups)}),
                ]
            )
        )
    return query.And(clauses)


def _term_set(leaf, field: str, text: str) -> frozenset[int]:
    st = state()
    key = (leaf.segment().segment_id(), field, text)
    found = st.term_sets.get(key)
    if found is None:
        found = st.term_sets[key] = frozenset(segment_ids(leaf, field, text))
    return found


def _evaluate(leaf, q: query.Query) -> frozenset[int]:
    """The segment's document numbers (deleted ones included) that `q` matches; `q` is
    made of the node kinds `permission_query` uses."""
    if q is query.NullQuery:
        return frozenset()
    if isinstance(q, query.Term):
        return _term_set(leaf, q.fieldname, q.text)
    if isinstance(q, query.Not):
        return frozenset(range(leaf.doc_count_all())) - _evaluate(leaf, q.query)
    if isinstance(q, query.And):
        found = _evaluate(leaf, q.subqueries[0])
        for sub in q.subqueries[1:]:
            if not found:
                break
            found = found & _evaluate(leaf, sub)
        return found
    if isinstance(q, query.Or):
        return frozenset().union(*(_evaluate(leaf, sub) for sub in q.subqueries))
    raise TypeError(f"not a permission query node: {q!r}")


def _segment_allowed(leaf, scope: SearchScope) -> frozenset[int]:
    st = state()
    key = (leaf.segment().segment_id(), scope)
    with st.lock:
        found = st.allowed.get(key)
        if found is not None:
            st.allowed.move_to_end(key)
            return found
    found = _evaluate(leaf, permission_query(scope))
    with st.lock:
        if key not in st.allowed:
            st.allowed[key] = found
            st.allowed_size += len(found)
        while st.allowed_size > CACHED_ALLOWED and len(st.allowed) > 1:
            _key, old = st.allowed.popitem(last=False)
            st.allowed_size -= len(old)
    return found


def allowed_docs(searcher: Searcher, scope: SearchScope) -> set[int] | frozenset[int]:
    """The live document numbers the scope allows in this searcher's view of the index.
    The joined set is kept for the last few views and scopes, so that searches between
    two writes only look it up."""
    st = state()
    leaves = [(leaf, offset) for leaf, offset in searcher.reader().leaf_readers() if leaf.segment()]
    view = tuple(
        (leaf.segment().segment_id(), leaf.segment().deleted_count(), offset)
        for leaf, offset in leaves
    )
    with st.lock:
        found = st.joined.get((view, scope))
        if found is not None:
            return found
    parts = []
    for leaf, offset in leaves:
        part = _segment_allowed(leaf, scope)
        if leaf.has_deletions():
            part = part - leaf.deleted_docs_set
        if offset:
            part = {offset + doc for doc in part}
        parts.append(part)
    found = parts[0] if len(parts) == 1 else frozenset().union(*parts)  # none: empty
    with st.lock:
        st.joined[(view, scope)] = found
        while len(st.joined) > JOINED_VIEWS:
            st.joined.popitem(last=False)
    return found
