import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from cop.attachments import filetypes
from cop.attachments.service import FIELD, limits_of
from cop.discussions.models import TAG_MAX, TAGS_MAX, TITLE_MAX
from cop.forms import CheckboxListField, FormattedTextField, optional_int, required
from cop.i18n import format_size
from cop.text import BODY_MAX

MAIL_NOW = _l("Send notifications now, without waiting for the time to edit")


def fresh_key() -> str:
    return uuid.uuid4().hex


class OnceForm(FlaskForm):
    """Carries a fresh idempotency key, so a double click creates one post."""

    idempotency_key = HiddenField(default=fresh_key)


def tags_field() -> StringField:
    """Tags separated by commas; the service checks each (cop/discussions/tags.py)."""
    return StringField(
        _l("Tags"),
        description=_l(
            "Separated by commas, at most %(n)s, for example: бюджет, молодь",
            n=TAGS_MAX,
        ),
        validators=[Length(max=(TAG_MAX + 2) * TAGS_MAX)],
    )


class DiscussionForm(OnceForm):
    community_id = SelectField(_l("For the community"), coerce=optional_int)
    title = StringField(_l("Subject"), validators=[required(), Length(max=TITLE_MAX)])
    body = FormattedTextField(_l("Text"), validators=[required(), Length(max=BODY_MAX)])
    tags = tags_field()
    file = MultipleFileField(_l("Attachments"))
    mail_now = BooleanField(MAIL_NOW)
    all_groups = BooleanField(
        _l("Post a copy to all groups: one discussion for each, without files")
    )


class ReplyForm(OnceForm):
    body = FormattedTextField(_l("Text"), validators=[required(), Length(max=BODY_MAX)])
    private = BooleanField(
        _l(
            "Private reply: only the author of the post, moderators and the experts "
            "coaching the community see it"
        )
    )
    file = MultipleFileField(_l("Attachments"))
    mail_now = BooleanField(MAIL_NOW)
    quiet = BooleanField(_l("Don't notify me about this discussion"))


class EditForm(FlaskForm):
    # The post's version the person began from: a save on an older one is refused.
    version = HiddenField()
    title = StringField(_l("Subject"), validators=[Length(max=TITLE_MAX)])
    body = FormattedTextField(_l("Text"), validators=[required(), Length(max=BODY_MAX)])
    tags = tags_field()
    remove = CheckboxListField(_l("Remove attachments"), coerce=int)
    file = MultipleFileField(_l("Add attachments"))
    mail_now = BooleanField(MAIL_NOW)


class ForumSettingsForm(FlaskForm):
    forum_type = SelectField(_l("Forum type"))
    subscription_mode = SelectField(_l("Subscription mode"))
    group_mode = SelectField(_l("Group mode"))
    read_tracking = SelectField(_l("Read tracking"))
    max_attachments = IntegerField(
        _l("Attachments per post (0: none)"), validators=[InputRequired(), NumberRange(min=0)]
    )
    max_attachment_mb = DecimalField(
        _l("Largest attachment, MB"),
        places=None,
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],  # the service says more
    )
    post_period_hours = IntegerField(
        _l("Posting threshold: period in hours (0: none)"),
        validators=[Optional(), NumberRange(min=0)],  # blank: unchanged
    )
    warn_after = IntegerField(
        _l("Warn from this many posts in the period (0: never)"),
        validators=[Optional(), NumberRange(min=0)],  # blank: unchanged
    )
    block_after = IntegerField(
        _l("No more posts after this many in the period (0: never)"),
        validators=[Optional(), NumberRange(min=0)],  # blank: unchanged
    )
    show_word_count = BooleanField(_l("Show each post's word count"))


def offer_files(form, space) -> None:
    """The file field with the forum's limits as its hint, or none if the forum takes no
    files (posted files are still handed to the service, which says so)."""
    limits = limits_of(space)
    if limits.count == 0:
        del form[FIELD]
        return
    form[FIELD].description = _(
        "Up to %(n)s files, each at most %(size)s: %(types)s.",
        n=limits.count,
        size=format_size(limits.max_bytes),
        types=filetypes.EXTENSIONS,
    )
    form[FIELD].render_kw = {"accept": filetypes.ACCEPT}
