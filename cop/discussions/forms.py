import uuid

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
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange

from cop.discussions.models import TITLE_MAX
from cop.forms import CheckboxListField, optional_int, required
from cop.text import BODY_MAX


class OnceForm(FlaskForm):
    """Carries a fresh idempotency key, so a double click creates one post."""

    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)


class DiscussionForm(OnceForm):
    community_id = SelectField(_l("For the community"), coerce=optional_int)
    title = StringField(_l("Subject"), validators=[required(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message (Markdown)"), validators=[required(), Length(max=BODY_MAX)])
    file = MultipleFileField(_l("Attachments"))
    all_groups = BooleanField(
        _l("Post a copy to all groups: one discussion for each, without files")
    )


class ReplyForm(OnceForm):
    body = TextAreaField(_l("Your reply (Markdown)"), validators=[required(), Length(max=BODY_MAX)])
    private = BooleanField(_l("Private reply: only the author of the post and moderators see it"))
    file = MultipleFileField(_l("Attachments"))


class EditForm(FlaskForm):
    # The post's version the person began from: a save on an older one is refused.
    version = HiddenField()
    title = StringField(_l("Subject"), validators=[Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message (Markdown)"), validators=[required(), Length(max=BODY_MAX)])
    remove = CheckboxListField(_l("Remove attachments"), coerce=int)
    file = MultipleFileField(_l("Add attachments"))


class ForumSettingsForm(FlaskForm):
    forum_type = SelectField(_l("Forum type"))
    subscription_mode = SelectField(_l("Subscription mode"))
    group_mode = SelectField(_l("Group mode"))
    max_attachments = IntegerField(
        _l("Attachments per post (0: none)"), validators=[InputRequired(), NumberRange(min=0)]
    )
    max_attachment_mb = DecimalField(
        _l("Largest attachment, MB"),
        places=None,
        validators=[InputRequired(), NumberRange(min=0, max=1_000_000)],  # the service says more
    )
