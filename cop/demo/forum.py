"""The demo's discussions (forum/*.yaml), in the voices of its people. Written through
cop.discussions.service, so the policy checks every post as it would for a person; only
the timestamps are set afterwards, spread over the last six weeks."""

import io
import random
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from cop.accounts.models import User
from cop.db import utcnow
from cop.demo import data
from cop.discussions import service
from cop.discussions.models import DiscussionRead, Post, Reaction
from cop.extensions import db
from cop.notifications.models import Notification
from cop.spaces.models import Space

MODERATOR = "olha"


def load_forum(people: dict[str, User], spaces: dict[str, Space]) -> None:
    """Every discussion of the forum files, with replies, pins and 'useful' marks. Commits."""
    content = [data.read(name) for name in data.forum_files()]
    # Older discussions first, so ids grow with time as they would have.
    items = sorted(
        ((spaces[part["space"]], item) for part in content for item in part["discussions"]),
        key=lambda pair: -pair[1]["days"],
    )
    # Each service commits; nothing else writes meanwhile, so reloading every object after
    # each commit would only double the time.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        written = [(item, _write(people, space, item)) for space, item in items]
    finally:
        session.expire_on_commit = expire_on_commit
    _backdate(written)


def _write(people: dict[str, User], space: Space, item: dict) -> list[int]:
    """One discussion with its replies, flags and 'useful' marks; its post ids in order."""
    files = item.get("files", {})
    discussion = service.start_discussion(
        people[item["who"]],
        space,
        title=item["title"],
        body=item["body"],
        files=[FileStorage(io.BytesIO(data.attachment(f)), filename=n) for n, f in files.items()],
    )
    posts = [service.first_post(discussion)]
    keyed: dict[str, Post] = {}
    replies = item.get("replies", [])
    for r in replies:
        parent = keyed[r["to"]] if "to" in r else posts[0]
        post = service.reply(
            people[r["who"]],
            discussion,
            body=r["body"],
            parent_id=parent.id,
            private=r.get("private", False),
        )
        posts.append(post)
        if "key" in r:
            keyed[r["key"]] = post
    if item.get("pinned"):
        service.set_flags(people[MODERATOR], discussion, pinned=True)
    for post, written in zip(posts, [item, *replies], strict=True):
        for name in written.get("useful", ()):
            service.set_useful(people[name], post, True)
    return [post.id for post in posts]


def _backdate(written: list[tuple[dict, list[int]]]) -> None:
    """Spread the posts over the last weeks: replies after their parents, lists ordered by
    the newest public post, 'useful' marks after the post, and each author's read mark at
    their own last post, so everyone sees what the others wrote since as unread."""
    now = utcnow()
    read_until: dict[tuple[int, int], datetime] = {}
    for item, ids in written:
        found = {post.id: post for post in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
        posts = [found[post_id] for post_id in ids]
        rng = random.Random(item["title"])
        times = _times(item, now, rng)
        for post, moment in zip(posts, times, strict=True):
            post.created_at = moment
            read_until[post.author_id, post.discussion_id] = moment  # times only grow
        discussion = posts[0].discussion
        last = [post for post in posts if post.private_to_id is None][-1]
        discussion.created_at = times[0]
        discussion.last_post_at, discussion.last_post_id = last.created_at, last.id
        at = {post.id: moment for post, moment in zip(posts, times, strict=True)}
        for reaction in db.session.scalars(select(Reaction).where(Reaction.post_id.in_(at))):
            later = at[reaction.post_id] + timedelta(hours=rng.uniform(0.3, 30))
            reaction.created_at = min(later, now)
    discussion_ids = {discussion_id for _author_id, discussion_id in read_until}
    for read in db.session.scalars(
        select(DiscussionRead).where(DiscussionRead.discussion_id.in_(discussion_ids))
    ):
        moment = read_until.get((read.user_id, read.discussion_id))
        if moment is None:
            db.session.delete(read)
        else:
            read.read_until = moment
    settle_notifications(discussion_ids, read_until)
    db.session.commit()


def settle_notifications(discussion_ids, read_until) -> None:
    """Notifications take their post's time; those older than the person's read mark or
    than three days (people come back now and then) are read; none of the past is emailed."""
    recent = utcnow() - timedelta(days=3)
    for notification in db.session.scalars(
        select(Notification).where(Notification.discussion_id.in_(discussion_ids))
    ):
        moment = notification.post.created_at
        notification.created_at = notification.emailed_at = moment
        seen = read_until.get((notification.user_id, notification.discussion_id))
        read = moment < recent or (seen is not None and seen >= moment)
        notification.read_at = moment if read else None


def _times(item: dict, now: datetime, rng: random.Random) -> list[datetime]:
    """The first post in the daytime `days` ago, each reply a while after the one before
    (`wait` hours, or a random gap); squeezed to end before `now` if need be."""
    limit = now - timedelta(minutes=20)
    start = (now - timedelta(days=item["days"])).replace(
        hour=rng.randint(6, 14), minute=rng.randint(0, 59), second=rng.randint(0, 59)
    )
    start = min(start, limit - timedelta(hours=2))
    times = [start]
    for r in item.get("replies", []):
        gap = timedelta(hours=r["wait"]) if "wait" in r else _gap(rng)
        times.append(_daytime(times[-1] + gap, rng))
    if times[-1] > limit:
        scale = (limit - start) / (times[-1] - start)
        times = [start + (moment - start) * scale for moment in times]
    return times


def _gap(rng: random.Random) -> timedelta:
    """Often within the hour or two, sometimes later that day, now and then the next."""
    roll = rng.random()
    if roll < 0.5:
        return timedelta(minutes=rng.uniform(12, 120))
    if roll < 0.85:
        return timedelta(hours=rng.uniform(2, 9))
    return timedelta(hours=rng.uniform(20, 50))


def _daytime(moment: datetime, rng: random.Random) -> datetime:
    """People post between about 8 and 22 Kyiv time (5 to 19 UTC)."""
    if moment.hour >= 19:
        moment = (moment + timedelta(days=1)).replace(hour=5, minute=0)
    elif moment.hour < 5:
        moment = moment.replace(hour=5, minute=0)
    else:
        return moment
    return moment + timedelta(minutes=rng.uniform(0, 180))
