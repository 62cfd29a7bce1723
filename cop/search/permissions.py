"""The policy's SearchScope as an index query, and its document set cached per searcher
generation: every search runs inside it, so totals, facets, snippets and suggestions only
ever count what the user may read."""

from whoosh import query
from whoosh.searching import Searcher

from cop.policy import SearchScope
from cop.search.index import state

CACHED_SCOPES = 256


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
                        query.Or([query.Term("private", "0"), addressed]),
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


def allowed_docs(searcher: Searcher, scope: SearchScope) -> set[int]:
    """The document numbers the scope allows in this searcher's view of the index."""
    st = state()
    reader = searcher.reader()
    # Segment ids as well as the generation: a rebuilt index starts its generations anew.
    segments = tuple(r.segment().segment_id() for r, _ in reader.leaf_readers() if r.segment())
    key = (reader.generation(), segments, scope)
    with st.lock:
        found = st.docsets.get(key)
        if found is not None:
            st.docsets.move_to_end(key)
            return found
    docs = set(searcher.docs_for_query(permission_query(scope)))
    with st.lock:
        st.docsets[key] = docs
        while len(st.docsets) > CACHED_SCOPES:
            st.docsets.popitem(last=False)
    return docs
