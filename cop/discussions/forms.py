import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from cop.admin.forms import optional_int
from cop.discussions.models import TITLE_MAX
from cop.forms import required
from cop.text import BODY_MAX


class OnceForm(FlaskForm):
    """Carries a fresh idempotency key, so a double click creates one post."""

    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)


class DiscussionForm(OnceForm):
    community_id = SelectField(_l("For the community"), coerce=optional_int)
    title = StringField(_l("Subject"), validators=[required(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message (Markdown)"), validators=[required(), Length(max=BODY_MAX)])


class ReplyForm(OnceForm):
    body = TextAreaField(_l("Your reply (Markdown)"), validators=[required(), Length(max=BODY_MAX)])
    private = BooleanField(_l("Private reply: only the author of the post and moderators see it"))


class EditForm(FlaskForm):
    title = StringField(_l("Subject"), validators=[Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message (Markdown)"), validators=[required(), Length(max=BODY_MAX)])


class ForumSettingsForm(FlaskForm):
    forum_type = SelectField(_l("Forum type"))
    subscription_mode = SelectField(_l("Subscription mode"))
    group_mode = SelectField(_l("Group mode"))
