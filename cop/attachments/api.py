from flask import Blueprint, url_for
from flask_login import current_user
from pydantic import Field
from werkzeug.datastructures import FileStorage

from cop.attachments import queries, service
from cop.attachments.models import Attachment
from cop.discussions.queries import get_post
from cop.jsonapi import Output, endpoint

bp = Blueprint("attachments", __name__)


class AttachmentOut(Output):
    id: int
    filename: str
    size: int = Field(description="Bytes")
    content_type: str
    url: str = Field(description="Where to download it (the same permission check applies)")


class AttachmentList(Output):
    items: list[AttachmentOut]


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        filename=attachment.filename,
        size=attachment.size,
        content_type=attachment.content_type,
        url=url_for(
            "attachments.download", attachment_id=attachment.id, filename=attachment.filename
        ),
    )


@endpoint(
    bp,
    "/posts/<int:post_id>/attachments",
    "POST",
    summary="Attach files to a post (multipart, one or more `file` parts; whoever may edit it)",
    upload=service.FIELD,
    response=AttachmentList,
    status=201,
)
def create_attachments(post_id: int, files: list[FileStorage]):
    post = get_post(current_user, post_id)
    created = service.add_attachments(current_user, post, files)
    return AttachmentList(items=[attachment_out(a) for a in created])


@endpoint(
    bp,
    "/attachments/<int:attachment_id>",
    "DELETE",
    summary="Remove an attachment (whoever may edit its post)",
    status=204,
)
def delete_attachment(attachment_id: int):
    service.remove_attachment(current_user, queries.get_attachment(current_user, attachment_id))
