from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from cop.consultations.models import RATING_COMMENT_MAX, RATING_MAX, RATING_MIN
from cop.discussions.forms import OnceForm
from cop.discussions.models import TITLE_MAX
from cop.forms import FormattedTextField, optional_int, options, required
from cop.text import BODY_MAX


class ConsultationForm(OnceForm):
    community_id = SelectField(_l("For the community"), coerce=optional_int)
    title = StringField(_l("Subject"), validators=[required(), Length(max=TITLE_MAX)])
    body = FormattedTextField(_l("Your question"), validators=[required(), Length(max=BODY_MAX)])
    platform_id = SelectField(_l("Thematic platform"), coerce=optional_int)
    file = MultipleFileField(_l("Attachments"))
    module_id = HiddenField()  # "ask an expert about this module"


class NoteForm(OnceForm):
    body = FormattedTextField(
        _l("Internal note: only experts, trainees and moderators see it"),
        validators=[required(), Length(max=BODY_MAX)],
    )
    file = MultipleFileField(_l("Attachments"))


class ResolveForm(FlaskForm):
    rating = RadioField(
        _l("How useful was the advice? 1: not at all, 5: very"),
        choices=options((n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)),
        coerce=int,
        validate_choice=False,  # the service says what is wrong, in its words
        validators=[InputRequired(message=_l("Rate the answer from 1 to 5 to resolve."))],
    )
    comment = TextAreaField(
        _l("Comment for the experts (optional)"), validators=[Length(max=RATING_COMMENT_MAX)]
    )
