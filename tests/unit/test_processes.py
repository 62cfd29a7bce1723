"""How many serving workers `cop run` starts, and why (cop/processes.py)."""

from cop.config import shared_storage
from cop.processes import Plan, describe, plan


def test_one_worker_per_core_when_a_queue_is_set():
    assert plan(None, "redis://q", None, 4) == Plan(
        4, "one per core; live events shared through COP_MESSAGE_QUEUE", live=4
    )


def test_without_a_queue_redis_server_is_started_for_them():
    assert plan(None, None, "/usr/bin/redis-server", 4) == Plan(
        4, "one per core; live events shared through redis-server", embedded_queue=True, live=4
    )


def test_several_workers_get_as_many_for_live_sockets_and_say_so():
    several = plan(2, "redis://q", None, 2)
    assert several.processes == 4
    assert describe(several).startswith("2 workers and 2 for live sockets (as asked;")
    one = plan(1, "redis://q", None, 2)
    assert one.processes == 1 and describe(one) == "1 worker (as asked; no message queue needed)"


def test_a_count_asked_for_wins_and_one_needs_no_queue():
    assert plan(3, "redis://q", None, 8).workers == 3
    assert plan(1, None, "/usr/bin/redis-server", 8) == Plan(1, "as asked; no message queue needed")
    assert plan(None, None, None, 1) == Plan(1, "one per core; no message queue needed")


def test_without_any_queue_one_worker_says_why():
    one = plan(None, None, None, 4)
    assert one.workers == 1 and not one.embedded_queue
    assert "COP_MESSAGE_QUEUE" in one.reason and "redis-server" in one.reason


def test_rate_limits_are_counted_in_the_queues_redis():
    """Memory storage is per process: with a queue, every worker counts in its Redis."""
    assert shared_storage(None) == "memory://"
    assert shared_storage("redis://q:6379/0") == "redis://q:6379/0"
    assert shared_storage("unix:///srv/cop/instance/redis-7.sock") == (
        "redis+unix:///srv/cop/instance/redis-7.sock"
    )
    assert shared_storage("amqp://rabbit") == "memory://"
