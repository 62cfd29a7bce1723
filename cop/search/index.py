"""Opening the index, one searcher per thread (refreshed, never reopened) and the writer.

The index lives in COP_SEARCH_DIR (default: the instance folder's `search`). Opening can
fail for a moment while another process commits (its new table of contents is being
written), so opening retries.

The index's name carries the schema's VERSION. An index of another version in the folder
(left by an older cop) is not searched: searches answer 503 and `cop search check` fails
until `cop search rebuild` makes the current one and deletes the old one's files."""

import os
import threading
import time
from collections import OrderedDict
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


class IndexOutdated(Unavailable):
    default_message = _l(
        "Search is being updated to a new version and will be back soon. Try again later."
    )


class IndexState:
    """Per app (so per process and per test): the open index, each thread's searcher,
    and the permission filters' document sets for the searchers' current generation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.ix: Index | None = None
        self.local = threading.local()
        self.docsets: OrderedDict = OrderedDict()
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
            if _others(path):
                raise IndexOutdated()
            return index.create_in(str(path), make_schema(), indexname=NAME)
        except (EmptyIndexError, FileNotFoundError, OSError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _others(path: Path) -> list[Path]:
    """The files of indexes other than this version's in the folder."""
    mine = (f"_{NAME}_", f"{NAME}_")
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


def reset_index() -> Index:
    """A fresh, empty index in place of the current one, or of an older version's, whose
    files are deleted (for a rebuild)."""
    st = state()
    with st.lock:
        st.path.mkdir(parents=True, exist_ok=True)
        st.ix = index.create_in(str(st.path), make_schema(), indexname=NAME)
        for old in _others(st.path):
            old.unlink(missing_ok=True)
        st.local = threading.local()
        st.docsets.clear()
        st.columns.clear()
        st.postings.clear()
        st.postings_size = 0
        return st.ix


def _reader(ix: Index, old: IndexReader | None) -> tuple[IndexReader, int]:
    """A reader of the newest commit, and its generation. It reuses the old reader's
    segment readers where the segment and its deletions are unchanged. (Whoosh's own
    `Searcher.refresh` reuses them by segment id alone, so it keeps deleted documents and
    merged-away segments.)"""
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
    for leaf in reusable.values():
        leaf.close()
    if not readers:
        return EmptyReader(toc.schema), toc.generation
    return MultiReader(readers, generation=toc.generation), toc.generation


def searcher() -> Searcher:
    """This thread's searcher, brought up to the newest commit (cheap when nothing
    changed; unchanged segments are not reopened)."""
    st = state()
    ix = get_index()
    current = getattr(st.local, "searcher", None)
    if current is not None and _unchanged(ix, st.local.generation, st.local.toc):
        return current
    for attempt in range(OPEN_ATTEMPTS):
        try:
            reader, generation = _reader(ix, current.reader() if current is not None else None)
            break
        except (EmptyIndexError, FileNotFoundError, OSError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    live = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers() if leaf.segment()}
    with st.lock:
        for key in [k for k in st.columns if k[0] not in live]:
            del st.columns[key]
    st.local.searcher = Searcher(reader, fromindex=ix)
    st.local.generation = generation
    st.local.toc = _toc_identity(ix, generation)
    return st.local.searcher


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
