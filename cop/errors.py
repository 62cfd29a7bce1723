"""Domain errors and the one handler that turns any error into JSON (API) or a page."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class AppError(Exception):
    status = 400
    default_message = _l("The request could not be processed.")

    def __init__(self, message: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return str(self.message or self.default_message)

    def headers(self) -> list[tuple[str, str]]:
        return []

    def summary(self) -> str:
        """One line for a flash message, a socket error or the command line: what each
        field needs, or else the message."""
        return " ".join(str(m) for m in self.fields.values()) or str(self)


class Unauthorized(AppError):
    status = 401
    default_message = _l("Sign in first.")


class Forbidden(AppError):
    status = 403
    default_message = _l("You are not allowed to do that.")


class NotFound(AppError):
    status = 404
    default_message = _l("Not found.")


class Conflict(AppError):
    status = 409
    default_message = _l("That conflicts with the current state.")


class Invalid(AppError):
    status = 422
    default_message = _l("Some fields need attention.")


HTTP_MESSAGES = {
    400: _l("The request is malformed."),
    401: _l("Sign in first."),
    403: _l("You are not allowed to do that."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    409: _l("That conflicts with the current state."),
    413: _l("The upload is too large."),
    415: _l("Send JSON with Content-Type: application/json."),
    422: _l("Some fields need attention."),
    429: _l("Too many requests. Wait a little and try again."),
    500: _l("Something went wrong on our side."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, fields: dict | None = None, headers=None):
    headers = [(k, v) for k, v in headers or () if k.lower() != "content-type"]
    if wants_json():
        body = {"error": {"status": status, "message": message, "fields": fields or {}}}
        response = jsonify(body)
    else:
        response = render_template("error.html", status=status, message=message)
    return response, status, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(error: AppError):
        from cop.extensions import db

        db.session.rollback()
        return error_response(error.status, str(error), error.fields, error.headers())

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return error_response(400, _("The form has expired. Reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limit(error: RateLimitExceeded):
        return error_response(429, str(HTTP_MESSAGES[429]), headers=error.get_headers())

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description)
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if status == 413 and limit:
            from cop.i18n import format_size

            size = format_size(limit)
            message = _("The upload is too large: at most %(size)s at once.", size=size)
        return error_response(status, str(message), headers=error.get_headers())

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, str(HTTP_MESSAGES[500]))
