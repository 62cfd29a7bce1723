from flask import Blueprint, current_app, send_file
from flask_login import current_user

from cop.attachments import filetypes, queries, storage
from cop.errors import NotFound

bp = Blueprint("attachments", __name__)

# Whatever a file holds, it runs nothing and embeds nothing when opened from here.
FILE_CSP = "default-src 'none'; sandbox"


@bp.get("/attachments/<int:attachment_id>/<filename>")
def download(attachment_id: int, filename: str):
    """An attachment, to whoever may read its post (404 for everyone else, as for the
    post). The file is found by id alone: the name in the address is for people."""
    attachment = queries.get_attachment(current_user, attachment_id)
    path = storage.path_for(attachment.sha256)
    if not path.is_file():
        current_app.logger.error("attachment %s: %s is missing", attachment.id, path)
        raise NotFound()
    response = send_file(
        path, mimetype=attachment.content_type, etag=attachment.sha256, conditional=True
    )
    response.headers["Content-Disposition"] = filetypes.content_disposition(
        attachment.filename, inline=attachment.is_image
    )
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Every use asks again (a 304 when unchanged), so a lost permission holds at once.
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.cache_control.max_age = None
    return response
