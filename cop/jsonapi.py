"""The JSON API's shared machinery: one decorator that declares an endpoint, validates
its input with pydantic, serialises its output, and records what the OpenAPI document
at /api/v1/openapi.json is generated from."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema

from cop.errors import AppError, Invalid, Unauthorized
from cop.extensions import csrf
from cop.inputs import ID_MAX, Page

PREFIX = "/api/v1"
PER_PAGE_MAX = 100

bp = Blueprint("api", __name__, url_prefix=PREFIX)


class Input(BaseModel):
    """Request bodies: strict JSON types, unknown fields rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    page: Page = 1
    per_page: int = Field(50, ge=1, le=PER_PAGE_MAX)


class ErrorBody(BaseModel):
    status: int
    message: str
    fields: dict[str, str] = Field(description="Per-field messages, keyed by field path")
    current: dict[str, Any] | None = Field(
        None,
        description="On a stale edit (409): the object as it is now, with its `version`; "
        "show it beside the text that was not saved",
    )
    progress: dict[str, int] | None = Field(
        None,
        description="While the search index is rebuilt for a new version (503): `done` and "
        "`total` documents",
    )


class Error(BaseModel):
    error: ErrorBody


@dataclass
class Operation:
    method: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    tag: str
    upload: str | None = None  # a multipart request's file field
    errors: tuple[int, ...] = ()  # statuses beyond those the declaration implies
    produces: str | None = None  # a file's media type, instead of a JSON answer


_TYPE_MESSAGES = {
    "int": _l("Expected a whole number."),
    "string": _l("Expected text."),
    "bool": _l("Expected true or false."),
    "list": _l("Expected a list."),
    "dict": _l("Expected an object."),
    "model": _l("Expected an object."),
    "date": _l("Expected a date, YYYY-MM-DD."),
    "datetime": _l("Expected a date and time in ISO 8601 with a time zone."),
}


def _field_message(error: dict) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if error.get("input", "") is None:
        return _("This field cannot be null.")
    if kind == "value_error":
        return str(ctx["error"])
    if kind == "timezone_aware":
        return _("Give the time with its time zone.")
    if kind == "too_long":
        return _("At most %(n)s items.", n=ctx.get("max_length"))
    if kind == "string_too_long":
        return _("At most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("At least %(n)s characters.", n=ctx.get("min_length"))
    if kind in ("enum", "literal_error"):
        return _("Must be one of: %(values)s.", values=ctx.get("expected", ""))
    if kind == "string_pattern_mismatch":
        return _("This value is not allowed here.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    base = kind.removesuffix("_type").removesuffix("_parsing")
    if base != kind:
        return str(_TYPE_MESSAGES.get(base, _l("Wrong type.")))
    return str(_l("This value is not valid."))


def invalid_from(exc: ValidationError) -> Invalid:
    fields = {}
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(key, _field_message(error))
    return Invalid(fields=fields)


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise AppError(_("Send a JSON object in the request body."))
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        if "json_invalid" in kinds:
            raise AppError(_("The request body is not valid JSON.")) from None
        if any(e["type"] == "model_type" and not e["loc"] for e in exc.errors()):
            raise AppError(_("Send a JSON object in the request body.")) from None
        raise invalid_from(exc) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise invalid_from(exc) from None


def dump(model: type[BaseModel] | None, result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if model is None:
        return result
    return model.model_validate(result).model_dump(mode="json")


def endpoint(
    blueprint: Blueprint,
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    upload: str | None = None,
    errors: tuple[int, ...] = (),
    produces: str | None = None,
) -> Callable:
    """Declare an API endpoint. The view gets path arguments, plus `data` (the validated
    body), `params` (the validated query) and `files` (the parts of the multipart field
    named by `upload`) when declared, and returns an object that `response` validates,
    or None for 204. `errors` documents statuses the declaration does not imply (429 of
    a rate limit). With `produces` (a media type), the view returns the response itself:
    a file."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            if auth and not current_user.is_authenticated:
                raise Unauthorized()
            if body is not None:
                kwargs["data"] = parse_body(body)
            if query is not None:
                kwargs["params"] = parse_query(query)
            if upload is not None:
                kwargs["files"] = request.files.getlist(upload)
            result = fn(**kwargs)
            if produces is not None:
                return result
            if status == 204:
                return "", 204
            return jsonify(dump(response, result)), status

        view.openapi = Operation(
            method,
            summary,
            body,
            query,
            response,
            status,
            auth,
            blueprint.name,
            upload,
            errors,
            produces,
        )
        view.accepts_uploads = upload is not None
        csrf.exempt(view)  # cookie sessions are checked in check_api_auth instead
        blueprint.add_url_rule(rule, fn.__name__, view, methods=[method])
        return view

    return decorator


_ETAG = re.compile(r'(?:W/)?"v([1-9][0-9]{0,9})"')


def with_etag(version: int) -> Callable:
    """For `after_this_request`: an object's version as the response's ETag, which a
    client sends back in If-Match to edit it."""

    def tag(response):
        response.headers["ETag"] = f'"v{version}"'
        return response

    return tag


def if_match() -> int | None:
    """The version named by the request's If-Match header (None without one); an
    If-Match that is not one of our ETags is a 400."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ETAG.fullmatch(header.strip())
    if match is None or int(match.group(1)) > ID_MAX:
        raise AppError(_('If-Match takes the ETag the object was read with, like "v3".'))
    return int(match.group(1))


@bp.before_request
def check_api_auth():
    """A bearer token that does not resolve is an error, not a guest; a browser session
    writing through the API needs the CSRF token like a form does."""
    if request.authorization is not None:
        if not current_user.is_authenticated:
            raise Unauthorized(_("The token is invalid, expired or revoked."))
        return
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and current_user.is_authenticated and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


# --- OpenAPI ------------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "Malformed: not JSON, not an object, or an expired CSRF token",
    401: "Not signed in, or the token is invalid, expired or revoked",
    403: "Not allowed",
    404: "Not found, or not visible to you (also an id out of range)",
    409: "Conflicts with the current state; on an edit sent with an old version (If-Match "
    "or `version`), `current` holds the object as it is now",
    413: "The upload is too large",
    422: "Some fields need attention: `fields` says which and why",
    429: "Too many requests: wait and try again",
    503: "Not available for now (the search index is being rebuilt, or too many searches "
    "run at once): try again after `Retry-After` seconds",
}
_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


REF_TEMPLATE = "#/components/schemas/{model}"
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


def _ref(name: str) -> dict:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def _error_statuses(op: Operation, has_parameters: bool) -> list[int]:
    """The errors an operation can answer with, from what it declares."""
    writes = op.method != "GET"
    codes = {401, *op.errors}  # a bearer token that does not resolve: any operation
    if op.auth:
        codes.add(403)
    if has_parameters or op.body is not None:
        codes.update((404, 422))  # an id that is missing or hidden, or a bad value
    if op.body is not None or op.upload is not None:
        codes.add(400)
    if writes:
        codes.update((400, 403, 404, 409))  # CSRF; policy; a referenced row; state
    if op.upload is not None:
        codes.add(413)
    return sorted(codes)


def _without_null_defaults(schemas: dict) -> dict:
    """A field that may be left out but not sent as null (`x: int = None`) has no default
    a client could send: drop the null default pydantic writes for it."""
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            nullable = {"type": "null"} in prop.get("anyOf", ())
            if "default" in prop and prop["default"] is None and not nullable:
                del prop["default"]
    return schemas


def openapi_document(app: Flask) -> dict:
    operations = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, "openapi", None)
        if op is not None:
            operations.append((rule, op))

    models = {Error}
    for _rule, op in operations:
        models.update(m for m in (op.body, op.query, op.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _keys, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template=REF_TEMPLATE
    )
    paths: dict[str, dict] = {}
    for rule, op in sorted(operations, key=lambda item: item[0].rule):
        path = _PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _ID_SCHEMA if conv == "int" else {"type": "string"},
            }
            for conv, name in _PATH_ARG.findall(rule.rule)
        ]
        if op.query is not None:
            for name, field in op.query.model_fields.items():
                schema = op.query.model_json_schema(ref_template=REF_TEMPLATE)["properties"][name]
                parameters.append(
                    {"name": name, "in": "query", "required": field.is_required(), "schema": schema}
                )
        responses: dict[str, Any] = {}
        if op.status == 204:
            responses["204"] = {"description": "Done"}
        else:
            if op.produces is not None:
                content = {op.produces: {"schema": {"type": "string", "format": "binary"}}}
            elif op.response is not None:
                content = {"application/json": {"schema": _ref(op.response.__name__)}}
            else:
                content = {}
            responses[str(op.status)] = {"description": "Success", "content": content}
        for code in _error_statuses(op, bool(parameters)):
            responses[str(code)] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": _ref("Error")}},
            }
        responses["default"] = {
            "description": "Any other error, in the same shape",
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        operation: dict[str, Any] = {
            "operationId": rule.endpoint.replace(".", "_"),
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": parameters,
            "responses": responses,
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(op.body.__name__)}},
            }
        if op.upload is not None:
            files = {"type": "array", "items": {"type": "string", "format": "binary"}}
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {op.upload: files},
                            "required": [op.upload],
                        }
                    }
                },
            }
        operation["security"] = [{"bearer": []}, {"session": []}] if op.auth else []
        paths.setdefault(path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "cop API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": _without_null_defaults(defs.get("$defs", {})),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document(current_app))
