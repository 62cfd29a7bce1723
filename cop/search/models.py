from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cop.db import utcnow
from cop.extensions import db


class SearchOutbox(db.Model):
    """Something the index must catch up with, written in the same transaction as the
    change itself (see cop/search/outbox.py): the documents whose `field` holds `value`
    are to be read again from the database. The indexer deletes a row once it is done."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
