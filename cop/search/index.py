"""Opening the index, one searcher per OS thread (so one per `cop run` process, shared by
all its greenlets; refreshed, never reopened) and the writer.

The index lives in COP_SEARCH_DIR (default: the instance folder's `search`). Opening can
fail for a moment while another process commits (its new table of contents is being
written), so opening retries.

The index's name carries the schema's VERSION. An index of another version in the folder
(left by an older cop) is not searched: searches answer 503 with the progress of the
rebuild the background worker makes beside it (cop/search/upgrade.py), until that one
(or `cop search rebuild`) puts the current one in its place and deletes the old one's
files."""

import bisect
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from whoosh import index
from whoosh.index import TOC, EmptyIndexError, Index, LockError
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from cop.errors import Unavailable
from cop.search.schema import VERSION, make_schema

OPEN_ATTEMPTS = 20
NAME = f"cop{VERSION}"
SEARCHER_THREADS = 64  # searchers kept for threads that may have ended


BUILD = f"rebuild{VERSION}"  # the folder, inside the index's, where the worker rebuilds it
PROGRESS = "progress.json"
RETRY_AFTER = 30  # seconds


class IndexOutdated(Unavailable):
    """Search is unavailable while the index is rebuilt for a new version (by the
    background worker: cop/search/upgrade.py); `progress` is (documents done, of total)
    once the rebuild has started."""

    default_message = _l(
        "Search is being updated to a new version and will be back soon. Try again later."
    )

    def __init__(self, progress: tuple[int, int] | None = None):
        message = None
        if progress is not None:
            message = _l(
                "Search is being updated to a new version: %(done)s of %(total)s documents "
                "are ready. Try again in a minute.",
                done=progress[0],
                total=progress[1],
            )
        super().__init__(message)
        self.progress = progress

    def headers(self) -> list[tuple[str, str]]:
        return [("Retry-After", str(RETRY_AFTER))]

    def details(self) -> dict:
        if self.progress is None:
            return {}
        return {"progress": {"done": self.progress[0], "total": self.progress[1]}}


def build_progress(path: Path) -> tuple[int, int] | None:
    """(documents done, total) of the rebuild under way in the index folder `path`."""
    try:
        found = json.loads((path / BUILD / PROGRESS).read_text())
        return int(found["done"]), int(found["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class IndexState:
    """Per app (so per process and per test): the open index, the searchers (one per OS
    thread: under gevent every greenlet of the process shares one, so a new connection's
    first search does not reopen the index), and what is cached per segment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.ix: Index | None = None
        self.searchers: OrderedDict[int, tuple[Searcher, int, tuple | None]] = OrderedDict()
        self.allowed: OrderedDict = OrderedDict()  # (segment id, scope) -> local doc numbers
        self.allowed_size = 0
        self.joined: OrderedDict = OrderedDict()  # (segments' view, scope) -> document set
        self.term_sets: dict[tuple[str, str, str], frozenset[int]] = {}  # per segment
        self.columns: dict[tuple[str, str], list] = {}  # (segment id, field) -> values
        self.postings: OrderedDict = OrderedDict()  # (segment id, field, term) -> postings
        self.postings_size = 0


def state() -> IndexState:
    app = current_app._get_current_object()
    found = app.extensions.get("cop_search")
    if found is None:
        path = Path(app.config.get("COP_SEARCH_DIR") or Path(app.instance_path) / "search")
        found = app.extensions["cop_search"] = IndexState(path)
    return found


def _open(path: Path) -> Index:
    path.mkdir(parents=True, exist_ok=True)
    for attempt in range(OPEN_ATTEMPTS):
        try:
            if index.exists_in(str(path), indexname=NAME):
                return index.open_dir(str(path), indexname=NAME)
            if others(path):
                raise IndexOutdated(build_progress(path))
            return index.create_in(str(path), make_schema(), indexname=NAME)
        except (EmptyIndexError, FileNotFoundError, OSError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def others(path: Path) -> list[Path]:
    """The files of indexes other than this version's in the folder (not the lock of
    this version's background rebuild)."""
    mine = (f"_{NAME}_", f"{NAME}_", BUILD)
    return [f for f in path.iterdir() if f.is_file() and not f.name.startswith(mine)]


def get_index() -> Index:
    st = state()
    with st.lock:
        if st.ix is None:
            st.ix = _open(st.path)
        return st.ix


def outdated() -> bool:
    """Whether the folder holds an older version's index and not this one's."""
    try:
        get_index()
    except IndexOutdated:
        return True
    return False


def forget() -> None:
    """Drop the open index and everything cached of it (its files were replaced)."""
    st = state()
    with st.lock:
        st.ix = None
        _clear(st)


def _clear(st: IndexState) -> None:
    st.searchers.clear()
    st.allowed.clear()
    st.allowed_size = 0
    st.joined.clear()
    st.term_sets.clear()
    st.columns.clear()
    st.postings.clear()
    st.postings_size = 0


def reset_index() -> Index:
    """A fresh, empty index in place of the current one, or of an older version's, whose
    files are deleted (for a rebuild)."""
    st = state()
    with st.lock:
        st.path.mkdir(parents=True, exist_ok=True)
        st.ix = index.create_in(str(st.path), make_schema(), indexname=NAME)
        for old in others(st.path):
            old.unlink(missing_ok=True)
        _clear(st)
        return st.ix


def _reader(ix: Index, old: IndexReader | None) -> tuple[IndexReader, int]:
    """A reader of the newest commit, and its generation. It reuses the old reader's
    segment readers where the segment and its deletions are unchanged. (Whoosh's own
    `Searcher.refresh` reuses them by segment id alone, so it keeps deleted documents and
    merged-away segments.) The old reader's other segment readers are left to the garbage
    collector, not closed: a greenlet that paused mid-search (on the database) may still
    be reading them."""
    toc = ix._read_toc()
    reusable = {}
    if old is not None:
        for leaf, _offset in old.leaf_readers():
            segment = leaf.segment()
            if segment is not None:
                reusable[(segment.segment_id(), segment.deleted_count())] = leaf
    readers = []
    for segment in toc.segments:
        leaf = reusable.pop((segment.segment_id(), segment.deleted_count()), None)
        if leaf is None:
            leaf = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        readers.append(leaf)
    if not readers:
        return EmptyReader(toc.schema), toc.generation
    # Largest first: the big segment keeps document numbers from 0 whatever the small
    # ones after it do, so its permission set is used as it is, not shifted per write.
    readers.sort(key=lambda leaf: -leaf.doc_count_all())
    return MultiReader(readers, generation=toc.generation), toc.generation


def writer_number(searcher: Searcher, writer: SegmentWriter) -> Callable[[int], int]:
    """The writer's document number for one of the searcher's (the searcher orders the
    segments largest first, the writer as the table of contents lists them). A segment
    the writer does not hold is a KeyError, never another document."""
    starts, at = {}, 0
    for segment in writer.segments:
        starts[segment.segment_id()] = at
        at += segment.doc_count_all()
    offsets, targets = [], []
    for leaf, offset in searcher.reader().leaf_readers():
        if leaf.segment() is not None:
            offsets.append(offset)
            targets.append(starts.get(leaf.segment().segment_id()))

    def number(doc: int) -> int:
        i = bisect.bisect_right(offsets, doc) - 1
        if targets[i] is None:
            raise KeyError(f"segment of document {doc} is not the writer's")
        return targets[i] + doc - offsets[i]

    return number


def searcher() -> Searcher:
    """This OS thread's searcher, brought up to the newest commit (cheap when nothing
    changed; unchanged segments are not reopened). Under gevent all greenlets of a
    process run on one OS thread and share it: a Whoosh read never yields to another
    greenlet, and a refresh replaces the searcher without closing what an older one
    still reads. Real threads (the development server) each get their own."""
    st = state()
    ix = get_index()
    thread = threading.get_native_id()  # not the greenlet's id: gevent leaves it native
    with st.lock:
        found = st.searchers.get(thread)
    if found is not None and _unchanged(ix, found[1], found[2]):
        return found[0]
    current = found[0] if found is not None else None
    for attempt in range(OPEN_ATTEMPTS):
        try:
            reader, generation = _reader(ix, current.reader() if current is not None else None)
            break
        except (EmptyIndexError, FileNotFoundError, OSError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    fresh = Searcher(reader, fromindex=ix)
    live = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers() if leaf.segment()}
    with st.lock:
        st.searchers[thread] = (fresh, generation, _toc_identity(ix, generation))
        st.searchers.move_to_end(thread)
        while len(st.searchers) > SEARCHER_THREADS:
            st.searchers.popitem(last=False)
        for key in [k for k in st.columns if k[0] not in live]:
            del st.columns[key]
        for key in [k for k in st.term_sets if k[0] not in live]:
            del st.term_sets[key]
        for key in [k for k in st.allowed if k[0] not in live]:
            st.allowed_size -= len(st.allowed.pop(key))
    return fresh


def _toc_identity(ix: Index, generation: int) -> tuple | None:
    try:
        found = os.stat(os.path.join(ix.storage.folder, TOC._filename(ix.indexname, generation)))
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _unchanged(ix: Index, generation: int, identity: tuple | None) -> bool:
    """Whether `generation` is still the newest commit, from two `stat` calls instead of
    listing the index folder (Whoosh's `latest_generation`). A commit always writes the
    next generation's table of contents and then deletes the older ones, and a rebuild
    deletes them all before starting anew: so while this generation's file is the same
    file and the next one does not exist, nothing was committed since."""
    if identity is None or _toc_identity(ix, generation) != identity:
        return False
    following = TOC._filename(ix.indexname, generation + 1)
    return not os.path.exists(os.path.join(ix.storage.folder, following))


def writer(timeout: float) -> SegmentWriter | None:
    """The index's writer, waiting up to `timeout` seconds for another process's; None if
    it stays taken."""
    try:
        return get_index().writer(timeout=timeout)
    except LockError:
        return None
