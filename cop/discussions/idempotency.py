"""Idempotency keys, as payment APIs have them. A key belongs to one person and one request:
its operation, target and body, kept as a fingerprint. Within KEY_TTL, the same request
again gets what the first one got; another request with the key is refused (422); and a
replay never shows what the person may no longer read (404, as the normal path answers).
"""

import hashlib
import json
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cop import inputs, policy
from cop.db import utcnow
from cop.discussions.models import IdempotencyKey
from cop.errors import Invalid, NotFound
from cop.extensions import db

KEY_MAX = 100
KEY_TTL = timedelta(hours=24)


def fingerprint(operation: str, target_id: int, **body) -> str:
    """What makes two requests the same one: the operation, its target and its inputs."""
    request = json.dumps([operation, target_id, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(request.encode()).hexdigest()


def _record(actor, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == actor.id, IdempotencyKey.key == key)
    )


def replayed(actor, key: str | None, operation: str, request: str, model):
    """What the earlier request with this key created, if there was one and it was this
    request (`request` is its fingerprint). Raises Invalid if the key was used for another
    request, NotFound if what it created is gone or no longer readable. An expired key is
    forgotten here, in the caller's transaction."""
    if not key:
        return None
    inputs.check_line(key, "idempotency_key", KEY_MAX)  # one line of text, not too long
    record = _record(actor, key)
    if record is None:
        return None
    if record.created_at < utcnow() - KEY_TTL:
        db.session.delete(record)
        db.session.flush()
        return None
    if record.kind != operation or record.fingerprint != request:
        # A message, not a field: the key is a header, or a form's hidden field.
        raise Invalid(_("This key was already used for a different request."))
    result = db.session.get(model, record.result_id)
    if (
        result is None
        or getattr(result, "deleted_at", None) is not None
        or not policy.can(actor, policy.VIEW, result)
    ):
        raise NotFound()
    return result


def commit_once(actor, key: str | None, operation: str, request: str, model, result):
    """Commit, recording the key; a concurrent twin that won the race wins for both."""
    if key:
        db.session.add(
            IdempotencyKey(
                user_id=actor.id,
                key=key,
                kind=operation,
                fingerprint=request,
                result_id=result.id,
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        twin = replayed(actor, key, operation, request, model)
        if twin is None:
            raise
        return twin
    return result


def first_response(actor, key: str | None, response: dict) -> dict:
    """The body the first request with this key was answered with: `response`, kept now
    if this is that request. Call it once the service has returned (it checked the key).
    Commits."""
    record = _record(actor, key) if key else None
    if record is None:
        return response
    if record.response is None:
        record.response = json.dumps(response, ensure_ascii=False)
        db.session.commit()
        return response
    return json.loads(record.response)


def forget(user_id: int) -> None:
    """An erased person's keys (and the answers kept with them) go, in the caller's
    transaction."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id))
