from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange

from cop.forms import required
from cop.live.models import QUESTION_DEFAULT, QUESTION_MAX, TITLE_MAX
from cop.live.service import DESCRIPTION_MAX


class LiveSessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[required(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Length(max=DESCRIPTION_MAX)])
    scheduled_at = DateTimeLocalField(
        _l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[required()]
    )
    moderated = BooleanField(_l("Moderated: questions wait for approval"))
    anonymous_allowed = BooleanField(_l("Anonymous questions allowed"), default=True)
    max_question_length = IntegerField(
        _l("Longest question (characters)"),
        default=QUESTION_DEFAULT,
        validators=[required(), NumberRange(min=10, max=QUESTION_MAX)],
    )
