"""Opening the index, one searcher per thread (refreshed, never reopened) and the writer.

The index lives in COP_SEARCH_DIR (default: the instance folder's `search`). Opening can
fail for a moment while another process commits (its new table of contents is being
written), so opening retries."""

import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import current_app
from whoosh import index
from whoosh.index import EmptyIndexError, Index, LockError
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from cop.search.schema import make_schema

OPEN_ATTEMPTS = 20


class IndexState:
    """Per app (so per process and per test): the open index, each thread's searcher,
    and the permission filters' document sets for the searchers' current generation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.ix: Index | None = None
        self.local = threading.local()
        self.docsets: OrderedDict = OrderedDict()


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
            if index.exists_in(str(path)):
                return index.open_dir(str(path))
            return index.create_in(str(path), make_schema())
        except (EmptyIndexError, FileNotFoundError, OSError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def get_index() -> Index:
    st = state()
    with st.lock:
        if st.ix is None:
            st.ix = _open(st.path)
        return st.ix


def reset_index() -> Index:
    """A fresh, empty index in place of the current one (for a rebuild)."""
    st = state()
    with st.lock:
        st.path.mkdir(parents=True, exist_ok=True)
        st.ix = index.create_in(str(st.path), make_schema())
        st.local = threading.local()
        st.docsets.clear()
        return st.ix


def searcher() -> Searcher:
    """This thread's searcher, brought up to the newest commit (cheap when nothing changed)."""
    st = state()
    current = getattr(st.local, "searcher", None)
    if current is None:
        current = get_index().searcher()
    else:
        for attempt in range(OPEN_ATTEMPTS):
            try:
                fresh = current.refresh()
                break
            except (EmptyIndexError, FileNotFoundError, OSError):
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        if fresh is not current:
            current.close()
            current = fresh
    st.local.searcher = current
    return current


def writer(timeout: float) -> SegmentWriter | None:
    """The index's writer, waiting up to `timeout` seconds for another process's; None if
    it stays taken."""
    try:
        return get_index().writer(timeout=timeout)
    except LockError:
        return None
