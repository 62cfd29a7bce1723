"""Domain errors and the one handler that turns any error into JSON (API) or a page."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cop.extensions import db
from cop.i18n import format_size


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

    def details(self) -> dict:
        """More keys for the API's error object."""
        return {}

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


class StaleEdit(Conflict):
    """An edit made on an older version than the stored one. `target` is the object as
    it is now; the API sets `current` (its own view of it), sent beside the message."""

    default_message = _l(
        "Someone else changed this while you were editing. Your text is kept: compare it "
        "with the current one and save again."
    )

    def __init__(self, target, message: str | None = None):
        super().__init__(message)
        self.target = target
        self.current: dict | None = None

    def details(self) -> dict:
        return {} if self.current is None else {"current": self.current}


class Invalid(AppError):
    status = 422
    default_message = _l("Some fields need attention.")


class Unavailable(AppError):
    """Something the operator must do first (a search index to rebuild): a 503."""

    status = 503
    default_message = _l("This is not available right now. Try again later.")


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


def error_response(
    status: int, message: str, fields: dict | None = None, headers=None, details=None
):
    headers = [(k, v) for k, v in headers or () if k.lower() != "content-type"]
    if wants_json():
        error = {"status": status, "message": message, "fields": fields or {}}
        body = {"error": {**error, **(details or {})}}
        response = jsonify(body)
    else:
        response = render_template("error.html", status=status, message=message)
    return response, status, headers


def register_error_handlers(app: Flask, fault_answer: Callable) -> None:
    """`fault_answer(error)`: the 503 for an error that is an infrastructure fault, else
    None (cop.faults.answer; given here so the core does not import the layer above)."""

    def _unless_faulty(handler):
        """An error's answer needs the person's language and the page's menu, both read
        from the database: if that meets a fault, the answer is the fault's 503."""

        @wraps(handler)
        def answer(error):
            try:
                return handler(error)
            except Exception as failure:
                rollback_session()
                unavailable = fault_answer(failure)
                if unavailable is None:
                    raise
                return unavailable

        return answer

    @app.errorhandler(AppError)
    @_unless_faulty
    def handle_app_error(error: AppError):
        db.session.rollback()
        return error_response(
            error.status, str(error), error.fields, error.headers(), error.details()
        )

    @app.errorhandler(CSRFError)
    @_unless_faulty
    def handle_csrf(error: CSRFError):
        return error_response(400, _("The form has expired. Reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    @_unless_faulty
    def handle_rate_limit(error: RateLimitExceeded):
        return error_response(429, str(HTTP_MESSAGES[429]), headers=error.get_headers())

    @app.errorhandler(HTTPException)
    @_unless_faulty
    def handle_http(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description)
        limit = request.max_content_length
        if status == 413 and limit:
            size = format_size(limit)
            message = _("The upload is too large: at most %(size)s at once.", size=size)
        return error_response(status, str(message), headers=error.get_headers())

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        rollback_session()
        unavailable = fault_answer(error)
        if unavailable is not None:
            return unavailable
        app.logger.exception("unhandled error")
        return error_response(500, str(HTTP_MESSAGES[500]))


def rollback_session() -> None:
    """Before anything else: a failed statement leaves the session unusable until rolled
    back, and a connection that broke may fail the rollback too (then it is discarded)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the session goes whatever happened to it
        db.session.remove()
