"""Where index documents come from: one small module per kind of content.

A source module has:
- `WATCH`: (model, attributes, key) triples. When an object of the model is added,
  deleted, or has one of the attributes changed, `key(obj)` gives the (field, value) whose
  documents must be read again (the outbox hook in cop/search/outbox.py records it).
- `documents(session, keys)`: for (field, value) keys, every document of this source
  that matches one of them, as it should be in the index now, {doc id: fields}. A source
  answers every key field its documents carry (the indexer deletes indexed documents
  matching a key that no source returns any more).
- `document_ids(session, field, value, limit)`: the ids of at most `limit` of this
  source's documents one key covers, whatever their state (the indexer counts and splits
  keys by them); for an ("id", doc id) key of its own, that id.
- `all_documents(session, after=0)`: every document, in the order of their ids
  numbers (`PREFIX` and a number), from the number after `after`, for `cop search
  rebuild`, the background rebuild (cop/search/upgrade.py) and `check`;
  `count(session)`: how many, for the progress bar.

Adding a kind is one module here, listed in SOURCES, plus any field
it needs in cop/search/schema.py.
"""

from cop.search.sources import modules, posts

SOURCES = [posts, modules]
