from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cop.db import utcnow
from cop.discussions.models import Post
from cop.extensions import db

FILENAME_MAX = 200


class Attachment(db.Model):
    """A file attached to a post, or a course module's resource (then `module_id` is
    set and `post_id` is None). The bytes live once per content hash in the instance
    folder (see cop.attachments.storage); several attachments may share them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX))  # sanitized, for display
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
