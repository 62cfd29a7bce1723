from flask import Blueprint
from flask_login import current_user, login_required

from cop.privacy.download import data_response

bp = Blueprint("privacy", __name__)


@bp.get("/profile/data")
@login_required
def download_data():
    """Everything cop holds about the signed-in person, as a zip (docs/privacy.md)."""
    return data_response(current_user)
