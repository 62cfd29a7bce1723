"""A live question's vote count, kept by cop.live.service.vote in SQL (checked by
`cop db check`, cop/counters.py)."""

from sqlalchemy import func, select

from cop.counters import Stored
from cop.live.models import LiveQuestion, LiveVote


def _vote_count():
    return (
        select(func.count())
        .select_from(LiveVote)
        .where(LiveVote.question_id == LiveQuestion.id)
        .scalar_subquery()
    )


STORED = (Stored("live_question.vote_count", LiveQuestion.vote_count, _vote_count),)
