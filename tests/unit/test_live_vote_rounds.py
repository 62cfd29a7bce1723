"""Vote counts that wait for the same round go out as one count per question: the newest
(by `votes_seq`), whatever order the processes' counts came in."""

from cop.live.broadcast import _queue


def counts(session_id: int, **by_question: tuple[int, int]) -> dict:
    return {
        "session_id": session_id,
        "votes": {q: n for q, (n, _seq) in by_question.items()},
        "votes_seq": {q: seq for q, (_n, seq) in by_question.items()},
    }


def test_counts_waiting_for_a_round_become_one_with_the_newest_of_each_question():
    pending: list[list] = []
    _queue(pending, "votes", counts(1, q7=(1, 1)))
    _queue(pending, "question", {"id": 8, "seq": 4})
    _queue(pending, "votes", counts(1, q7=(3, 3), q8=(1, 1)))
    _queue(pending, "votes", counts(1, q7=(2, 2)))  # older, from the other process
    _queue(pending, "votes", counts(2, q9=(1, 1)))  # another session
    assert pending == [
        ["votes", counts(1, q7=(3, 3), q8=(1, 1))],
        ["question", {"id": 8, "seq": 4}],
        ["votes", counts(2, q9=(1, 1))],
    ]


def test_what_was_queued_first_is_not_changed_in_place():
    first = counts(1, q7=(1, 1))
    pending: list[list] = []
    _queue(pending, "votes", first)
    _queue(pending, "votes", counts(1, q7=(2, 2)))
    assert first == counts(1, q7=(1, 1))  # the same dict may wait in another room's round
