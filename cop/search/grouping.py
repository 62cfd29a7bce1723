"""One result per discussion (a consultation and a Q&A archive are discussions too) or
course module, as Discourse and Moodle show search results: a discussion ranks by its
best-matching post and shows up to MAX_SHOWN of its matching posts. Totals, pages and
facet counts count results, not posts; a result's facet values are its best post's."""

from collections.abc import Callable

from whoosh.searching import Searcher

from cop.search import collect

MAX_SHOWN = 3


def by_discussion(searcher: Searcher, docs: set[int], rank: Callable) -> dict[int, list[int]]:
    """Each result's matching documents, best first (by `rank`, higher is better), keyed
    by its best one. A module's document is a result of its own."""
    thread = collect.column(searcher, "discussion")
    groups: dict[object, list[int]] = {}
    for doc in docs:
        groups.setdefault(thread(doc) or doc, []).append(doc)
    found = {}
    for members in groups.values():
        members.sort(key=rank, reverse=True)
        found[members[0]] = members
    return found
