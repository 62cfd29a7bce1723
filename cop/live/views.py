from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import get_timezone
from flask_login import current_user, login_required

from cop import inputs, person_cache, policy
from cop.errors import AppError
from cop.forms import apply_errors
from cop.live import queries, service
from cop.live.forms import LiveSessionForm
from cop.live.models import SessionStatus, StaffRole
from cop.paging import Pager
from cop.spaces.queries import get_space

bp = Blueprint("live", __name__)

PER_PAGE = 50


@dataclass(frozen=True)
class SessionLine:
    """What a space's page shows of a live session, kept apart from the database session."""

    id: int
    title: str
    status: SessionStatus
    scheduled_at: datetime
    started_at: datetime | None
    archive_id: int | None


def sessions_in(space) -> dict:
    """For a space's page (which the person may read): its live and coming sessions (the
    latest ended few too), and whether the person may schedule one. The sessions are the
    same for everyone who reads the space and change only with a write that moves the
    page generation (a session's every change does): kept for everyone until then."""
    items = person_cache.kept_for_everyone(
        current_user,
        ("live_sessions_in", space.id),
        lambda: [
            SessionLine(s.id, s.title, s.status, s.scheduled_at, s.started_at, s.archive_id)
            for s in queries.space_sessions(space, 10)
        ],
        weight=lambda lines: 1 + len(lines),
    )
    return {"items": items, "can_schedule": policy.can_schedule_live(current_user, space)}


@bp.get("/live")
def sessions():
    page = inputs.page_arg()
    items, total = queries.list_sessions(current_user, None, (page - 1) * PER_PAGE, PER_PAGE)
    return render_template(
        "live/list.html",
        sessions=items,
        pager=Pager(
            page,
            max((total + PER_PAGE - 1) // PER_PAGE, 1),
            lambda n: url_for("live.sessions", page=n),
        ),
    )


@bp.route("/spaces/<int:space_id>/live/new", methods=["GET", "POST"])
@login_required
def new_session(space_id: int):
    space = get_space(current_user, space_id)
    policy.require(current_user, policy.VIEW, space)
    form = LiveSessionForm()
    if form.validate_on_submit():
        try:
            session = service.schedule_session(
                current_user,
                space,
                title=form.title.data,
                description=form.description.data or "",
                scheduled_at=form.scheduled_at.data.replace(tzinfo=ZoneInfo(str(get_timezone()))),
                moderated=form.moderated.data,
                anonymous_allowed=form.anonymous_allowed.data,
                max_question_length=form.max_question_length.data,
            )
        except AppError as error:
            apply_errors(form, error)
        else:
            return redirect(url_for("live.session", session_id=session.id))
    return render_template("live/new.html", space=space, form=form)


def _page(session_id: int, template: str):
    session = queries.get_session(current_user, session_id)
    moderates = policy.can(current_user, policy.MODERATE, session)
    mine = current_user.id if current_user.is_authenticated else None
    questions = queries.list_questions(current_user, session, moderates)
    return render_template(
        template,
        session=session,
        space=session.space,
        hosts=[s.user for s in session.staff if s.role == StaffRole.HOST],
        questions=questions,
        full={q.id for q in questions if moderates or q.author_id == mine},
        moderates=moderates,
        hosts_it=policy.can(current_user, "host", session),
        may_ask=policy.can(current_user, "ask", session),
    )


@bp.get("/live/<int:session_id>")
def session(session_id: int):
    return _page(session_id, "live/session.html")


@bp.get("/live/<int:session_id>/present")
def present(session_id: int):
    return _page(session_id, "live/present.html")
