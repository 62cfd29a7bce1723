"""The permission scope is cached per user until a write that may change it commits, in
any process: joining or leaving a space, a space made members-only, is seen by the very
next search, while posts and replies leave the cache alone."""

from cop import create_app
from cop.discussions import service
from cop.extensions import db
from cop.search.scope import generation
from cop.spaces import service as spaces
from tests.conftest import QueryCounter
from tests.search.helpers import finds, person, space


def _scope_queries(app, user_name, world) -> int:
    """SQL statements one search runs, as the given user, in its own request."""
    from cop.search.backend import search
    from cop.search.indexer import drain

    with app.test_request_context():
        drain()  # what the index has to catch up with is not counted
        user = person(world, user_name)
        with QueryCounter(db.engine) as counted:
            search(user, "зорелітник", facets=False)
        return len(counted)


def test_a_second_search_reuses_the_scope_and_a_post_keeps_it(app, world):
    with app.app_context():
        first = _scope_queries(app, "member", world)
        again = _scope_queries(app, "member", world)
        assert again <= first - 4  # the four memberships queries are gone
        before = generation()
        service.start_discussion(
            person(world, "outsider"),
            space(world, "forum_public"),
            title="Новина",
            body="Тут зорелітник",
        )
        assert generation() == before  # writing a post does not count
    assert _scope_queries(app, "member", world) == again


def test_joining_and_leaving_a_space_is_seen_at_once(app, client, world, h):
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_members"),
            title="Для своїх",
            body="Лише тут зорелітник",
        )
    assert finds(client, "зорелітник", h["outsider"]) == 0  # the scope is cached now
    with app.app_context():
        spaces.set_membership(
            person(world, "admin"), space(world, "forum_members"), world.users["outsider"].id
        )
    assert finds(client, "зорелітник", h["outsider"]) == 1
    with app.app_context():
        spaces.remove_membership(
            person(world, "admin"), space(world, "forum_members"), world.users["outsider"].id
        )
    assert finds(client, "зорелітник", h["outsider"]) == 0


def test_a_change_made_by_another_process_is_seen_at_once(app, client, world, h):
    other = create_app({**app.config})  # another worker on the same database and index
    with app.app_context():
        service.start_discussion(
            person(world, "member"),
            space(world, "forum_public"),
            title="Для всіх",
            body="Зорелітник для всіх",
        )
    assert finds(client, "зорелітник", h["outsider"]) == 1
    with other.app_context():
        spaces.update_space(
            person(world, "admin"), space(world, "forum_public"), {"visibility": "members"}
        )
        db.session.remove()
    assert finds(client, "зорелітник", h["outsider"]) == 0
    assert finds(client, "зорелітник", h["admin"]) == 1
