from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from cop.courses.models import (
    COMPLETION_COUNT_MAX,
    LINK_TITLE_MAX,
    MINUTES_MAX,
    TITLE_MAX,
    URL_MAX,
)
from cop.forms import FormattedTextField, required
from cop.text import BODY_MAX


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(), Length(max=TITLE_MAX)])
    body = FormattedTextField(_l("Text"), validators=[required(), Length(max=BODY_MAX)])
    minutes = IntegerField(
        _l("Estimated time, minutes"),
        validators=[Optional(), NumberRange(min=1, max=MINUTES_MAX)],
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    completion = SelectField(_l("Completion"))
    completion_count = IntegerField(
        _l("How many (for completion by taking part in the forum)"),
        validators=[Optional(), NumberRange(min=1, max=COMPLETION_COUNT_MAX)],
    )
    forum_type = SelectField(_l("Discussion forum type"))


class LinkForm(FlaskForm):
    link_title = StringField(_l("Link title"), validators=[required(), Length(max=LINK_TITLE_MAX)])
    url = StringField(_l("Web address"), validators=[required(), Length(max=URL_MAX)])


class ResourceForm(FlaskForm):
    file = MultipleFileField(_l("Files"))
