from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from cop.accounts.forms import LOCALE_CHOICES
from cop.accounts.models import EMAIL_MAX, NAME_MAX
from cop.forms import CheckboxListField, optional_int, required
from cop.orgs.models import TITLE_MAX
from cop.spaces.models import DESCRIPTION_MAX


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), Length(max=EMAIL_MAX)])
    display_name = StringField(_l("Full name"), validators=[required(), Length(max=NAME_MAX)])
    role = SelectField(_l("Role"))
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    association_id = SelectField(_l("Association"), coerce=optional_int, validators=[Optional()])


class UserEditForm(UserForm):
    email = None
    active = BooleanField(_l("Active"))


class CommunityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=TITLE_MAX)])
    kind = SelectField(_l("Kind"))
    oblast = StringField(_l("Oblast"), validators=[required(), Length(max=80)])
    committee_user_ids = CheckboxListField(_l("Committee members"), coerce=int)


class AssociationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=TITLE_MAX)])
    short_name = StringField(_l("Short name"), validators=[required(), Length(max=40)])


class ExpertGroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=TITLE_MAX)])
    member_ids = CheckboxListField(_l("Experts and trainees"), coerce=int)
    community_ids = CheckboxListField(_l("Communities"), coerce=int)


class SpaceForm(FlaskForm):
    kind = SelectField(_l("Kind"))
    title = StringField(_l("Title"), validators=[required(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Length(max=DESCRIPTION_MAX)])
    visibility = SelectField(_l("Who can read"))
    platform_id = SelectField(_l("Thematic platform"), coerce=optional_int)
    expert_group_id = SelectField(_l("Expert group (expert rooms)"), coerce=optional_int)
    community_id = SelectField(_l("Community (consultation desks)"), coerce=optional_int)


class SpaceEditForm(SpaceForm):
    kind = None


class MembershipForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    role = SelectField(_l("Role in the space"))
