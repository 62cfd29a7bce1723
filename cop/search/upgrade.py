"""An index an older cop built, rebuilt by the background worker (`cop worker`, never a
serving worker) while the old one stays where it is.

Each pass of the worker adds one batch (indexer.DOCUMENTS documents, in the sources'
order) to a new index in the folder `rebuild<VERSION>` inside the index's, and commits it;
a small progress file beside it says how far it got, for the searches that answer 503
meanwhile. The batch starts after the highest document number each source has in the new
index, read from the index itself, so a worker killed at any point resumes where the last
commit left off and never adds a document twice. When no document is left, the new
index's files are hard-linked into the index folder, its table of contents last: the
moment that file appears, every process opens the new index instead of failing on the
old one (a switch killed half-way is done again, the new folder being intact). Then the
old version's files and the folder go, and the outbox rows older than the rebuild (the
new index read the database after them) are deleted; the rows written meanwhile wait in
the outbox, which is not drained while the index is outdated, and are applied by the
next drain."""

import json
import logging
import os
import shutil
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from cop.extensions import db
from cop.search import index, indexer
from cop.search.models import SearchOutbox
from cop.search.schema import make_schema
from cop.search.sources import SOURCES

log = logging.getLogger(__name__)


def _build(path: Path) -> Path:
    return path / index.BUILD


def _write_progress(build: Path, progress: dict) -> None:
    """Atomically: a reader sees the old file or the new one."""
    temporary = build / (index.PROGRESS + ".new")
    temporary.write_text(json.dumps(progress))
    os.replace(temporary, build / index.PROGRESS)


def _start(build: Path) -> tuple[Index, dict]:
    """The rebuild's index and progress, started now or found from an earlier pass."""
    try:
        progress = json.loads((build / index.PROGRESS).read_text())
        if whoosh_index.exists_in(str(build), indexname=index.NAME):
            return whoosh_index.open_dir(str(build), indexname=index.NAME), progress
    except (OSError, ValueError):
        pass
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    with Session(db.engine) as session:
        progress = {
            "done": 0,
            "total": indexer.count_documents(),
            "outbox_before": session.scalar(select(func.max(SearchOutbox.id))),
        }
    ix = whoosh_index.create_in(str(build), make_schema(), indexname=index.NAME)
    _write_progress(build, progress)
    log.info("search: rebuilding the outdated index, %d documents", progress["total"])
    return ix, progress


def _cursors(ix: Index) -> list[int]:
    """Per source, the highest document number the new index holds (0 for none)."""
    highest = [0] * len(SOURCES)
    with ix.reader() as reader:
        for term in reader.lexicon("id"):
            doc_id = term.decode()
            for n, source in enumerate(SOURCES):
                if doc_id.startswith(source.PREFIX):
                    highest[n] = max(highest[n], int(doc_id.removeprefix(source.PREFIX)))
    return highest


def _batch(ix: Index, limit: int) -> int:
    """Add the next `limit` documents at most to the new index, in one commit; returns
    how many (0: every document is in)."""
    cursors = _cursors(ix)
    writer = ix.writer(timeout=0)
    added = 0
    try:
        with Session(db.engine) as session:
            for source, after in zip(SOURCES, cursors, strict=True):
                for _doc_id, fields in source.all_documents(session, after):
                    writer.add_document(**indexer.indexed(fields))
                    added += 1
                    if added == limit:
                        break
                if added == limit:
                    break
        if added:
            writer.commit()
        else:
            writer.cancel()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return added


def _switch(live: Path, build: Path, outbox_before: int | None) -> None:
    """Put the new index in the live folder (its table of contents last), then delete the
    old version's files, the rebuild's folder and the outbox rows the rebuild covered."""
    names = [f.name for f in build.iterdir() if f.is_file() and f.name.startswith(index.NAME)]
    tocs = [f.name for f in build.iterdir() if f.name.startswith(f"_{index.NAME}_")]
    for name in [n for n in names if not n.endswith("WRITELOCK")] + tocs:
        target = live / name
        target.unlink(missing_ok=True)
        os.link(build / name, target)
    for old in index.others(live):
        old.unlink(missing_ok=True)
    shutil.rmtree(build, ignore_errors=True)
    index.forget()
    if outbox_before is not None:
        with Session(db.engine) as session:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= outbox_before))
            session.commit()
    log.info("search: the rebuilt index replaced the outdated one")


def step() -> bool:
    """One pass of the background rebuild: one batch, or the switch once every document
    is in. Returns whether the index is still outdated (searches still answer 503). Does
    nothing while another process's pass is under way (a lock file in the index folder,
    which the old version's files do not count)."""
    live = index.state().path
    build = _build(live)
    if not index.outdated():
        if build.exists():  # `cop search rebuild` made the current index meanwhile
            shutil.rmtree(build, ignore_errors=True)
        return False
    lock_name = f"{index.BUILD}_LOCK"
    lock = FileStorage(str(live)).lock(lock_name)
    if not lock.acquire(blocking=False):  # another process's worker is at it
        return True
    switched = False
    try:
        ix, progress = _start(build)
        added = _batch(ix, indexer.DOCUMENTS)
        done = ix.doc_count()
        if added:
            total = max(done, progress["total"])
            _write_progress(build, {**progress, "done": done, "total": total})
            return True
        _switch(live, build, progress["outbox_before"])
        switched = True
        return False
    finally:
        lock.release()
        if switched:  # nobody takes it again: the index is current
            (live / lock_name).unlink(missing_ok=True)
