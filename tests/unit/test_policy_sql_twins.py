"""The policy's set-based SQL twins (for counts across many spaces at once) say exactly
what `can()` says, object by object, for every person of the world and every kind of
space, with Q&A, separate groups, timed discussions (not yet, still and no longer
shown), private replies, internal notes, hidden and deleted posts."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from cop import policy
from cop.accounts.models import User
from cop.attachments.models import Attachment
from cop.db import utcnow
from cop.discussions.models import Discussion, ForumSettings, ForumType, GroupMode, Post
from cop.extensions import db
from cop.orgs.models import CommitteeMembership
from cop.spaces.models import Space
from tests.world import ROLES, build_world

NAMES = ["guest", *ROLES]


@pytest.fixture
def world(ctx, make_user):
    world = build_world(make_user)
    u = {name: user.id for name, user in world.users.items()}
    a, b = (
        db.session.scalar(
            select(CommitteeMembership.community_id).where(CommitteeMembership.user_id == u[who])
        )
        for who in ("member", "outsider")
    )
    settings = {
        "forum_signed": {"forum_type": ForumType.QANDA},
        "forum_public": {"group_mode": GroupMode.SEPARATE},
        "forum_members": {"forum_type": ForumType.QANDA, "group_mode": GroupMode.SEPARATE},
    }
    for name, values in settings.items():
        db.session.add(ForumSettings(space_id=world.spaces[name], **values))
    long_ago = utcnow() - timedelta(hours=1)

    def post(discussion, author, parent=None, **extra):
        made = Post(
            discussion=discussion,
            author_id=u[author],
            parent_id=parent.id if parent else None,
            body="x",
            body_html="x",
            **extra,
        )
        db.session.add(made)
        db.session.flush()
        return made

    now, hour = utcnow(), timedelta(hours=1)
    periods = [
        {},
        {"display_from": now + hour},  # not yet
        {"display_from": now - hour, "display_until": now + hour},  # shown now
        {"display_until": now - hour},  # no longer
    ]
    for n, space_id in enumerate(world.spaces.values()):
        for m, (community, starter) in enumerate(((None, "admin"), (a, "member"), (b, "outsider"))):
            d = Discussion(
                space_id=space_id,
                title="т",
                author_id=u[starter],
                community_id=community,
                **periods[(n + m) % len(periods)],
            )
            first = post(d, starter)
            answer = post(d, "member", first, created_at=long_ago)  # past the edit window
            post(d, "outsider", first)
            post(d, "trainee", first)  # still in the edit window
            post(d, "expert", answer, private_to_id=u["member"])
            post(d, "other_expert", first, hidden_at=utcnow())
            post(d, "space_moderator", first, deleted_at=utcnow())
            note = post(d, "expert", first, internal=True)  # only desks show notes
            post(d, "trainee", note, internal=True)
    db.session.commit()
    return world


def _user(world, name):
    return AnonymousUserMixin() if name == "guest" else world.users[name]


@pytest.mark.parametrize("name", NAMES)
def test_moderated_spaces_agree_with_can(world, name):
    user = _user(world, name)
    query = select(Space.id).where(policy.readable_spaces(user), policy.moderated_spaces(user))
    expected = {s.id for s in db.session.scalars(select(Space)) if policy.can(user, "moderate", s)}
    assert set(db.session.scalars(query)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_readable_discussions_anywhere_agrees_with_can(world, name):
    user = _user(world, name)
    query = (
        select(Discussion.id)
        .join(Space, Space.id == Discussion.space_id)
        .where(policy.readable_discussions_anywhere(user))
    )
    expected = {d.id for d in db.session.scalars(select(Discussion)) if policy.can(user, "view", d)}
    assert set(db.session.scalars(query)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_readable_posts_anywhere_agrees_with_can(world, name):
    user = _user(world, name)
    query = (
        select(Post.id)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
        .where(policy.readable_discussions_anywhere(user), policy.readable_posts_anywhere(user))
    )
    expected = {p.id for p in db.session.scalars(select(Post)) if policy.can(user, "view", p)}
    assert expected  # every person sees something, guests the public forum
    assert set(db.session.scalars(query)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_readable_attachments_agrees_with_can(world, name):
    """A file goes with its post's text (deleted posts' files: moderators only)."""
    for post in db.session.scalars(select(Post)):
        db.session.add(
            Attachment(post_id=post.id, sha256="0" * 64, filename="a.pdf", content_type="x", size=1)
        )
    db.session.commit()
    user = _user(world, name)
    query = select(Attachment.id).where(policy.readable_attachments(user))
    expected = {a.id for a in db.session.scalars(select(Attachment)) if policy.can(user, "view", a)}
    assert expected
    assert set(db.session.scalars(query)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_visible_profiles_agree_with_can(world, name):
    erased = world.users["other_expert"]
    db.session.get(User, erased.id).erased_at = utcnow()
    db.session.commit()
    user = _user(world, name)
    query = select(User.id).where(policy.visible_profiles(user))
    expected = {p.id for p in db.session.scalars(select(User)) if policy.can(user, "profile", p)}
    assert erased.id not in expected
    assert set(db.session.scalars(query)) == expected
