"""The reply box under a discussion, rendered once per process for everything it depends
on and kept beside the post cards (`cards.kept_fragments`).

The box's fields (the composer, the file field with the forum's limits, the private-reply
and notification checkboxes) are the same for every reader who may reply to a discussion
and sees it in the same language: the key holds the language, the site's root URL, the
page's path (the composer's draft key), the forum's file limits and whether this reader
may reply privately (decided per request by the policy). The CSRF token and the
idempotency key, which must differ for each person and page, are put in per request by
`discussion.html` around the kept part; so is the posting-threshold warning.
"""

from flask import current_app, request
from markupsafe import Markup

from cop.attachments.service import limits_of
from cop.discussions.cards import kept_fragments
from cop.discussions.forms import ReplyForm, offer_files
from cop.i18n import current_locale

TEMPLATE = "discussions/_reply_box.html"


def _render(space, private: bool) -> Markup:
    form = ReplyForm(formdata=None, meta={"csrf": False})
    offer_files(form, space)
    module = current_app.jinja_env.get_template(TEMPLATE).make_module()
    return Markup(module.fields(form, private))


def reply_fields(space, private: bool) -> Markup:
    """The reply form's fields for a reader who may reply (privately when `private`)."""
    cache = kept_fragments()
    if cache is None:
        return _render(space, private)
    limits = limits_of(space)
    key = (
        "reply-box",
        current_locale(),
        request.script_root,
        request.path,
        limits.count,
        limits.max_bytes,
        private,
    )
    found = cache.get(key)
    if found is None:
        found = (_render(space, private),)
        cache.put(key, found)
    return found[0]
