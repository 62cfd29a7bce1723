from flask import Blueprint
from flask_login import current_user

from cop.jsonapi import endpoint
from cop.privacy.download import data_response

bp = Blueprint("privacy", __name__)


@endpoint(
    bp,
    "/me/data",
    summary="Everything cop holds about me: data.json and my posts' files, as a zip",
    produces="application/zip",
)
def download_data():
    return data_response(current_user)
