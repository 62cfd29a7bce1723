from flask import Blueprint
from flask_login import current_user
from pydantic import Field

from cop import rate_limits
from cop.accounts.people import render_post
from cop.inputs import Body
from cop.jsonapi import Input, Output, endpoint
from cop.text import BODY_MAX, check_body

bp = Blueprint("composer", __name__)


class PreviewIn(Input):
    body: Body = Field(max_length=BODY_MAX, description=f"Markdown, at most {BODY_MAX} characters")


class PreviewOut(Output):
    html: str = Field(description="The HTML a post with this text would be stored with")


@endpoint(
    bp,
    "/text/preview",
    "POST",
    summary="Render a text as a post, discussion, consultation or module would store it",
    body=PreviewIn,
    response=PreviewOut,
    errors=(429,),
)
def preview(data: PreviewIn):
    rate_limits.hit("COP_PREVIEW_LIMIT", "preview", rate_limits.requester(current_user))
    return PreviewOut(html=render_post(check_body(data.body)))
