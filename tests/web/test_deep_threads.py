"""A reply chain of any length renders in every display mode: trees are walked without
recursion and nest at most NESTING_MAX levels, deeper replies shown flat below."""

import re
from html.parser import HTMLParser

from cop.accounts.models import User
from cop.db import utcnow
from cop.discussions import service
from cop.discussions.models import Post
from cop.discussions.queries import NESTING_MAX
from cop.extensions import db
from cop.spaces.models import Space
from cop.text import render_markdown


class _Nesting(HTMLParser):
    """How deep in lists each post of a page sits, and whether every list and item closes."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.depths: dict[int, int] = {}
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "li"):
            self.open.append(tag)
        found = re.fullmatch(r"post-(\d+)", dict(attrs).get("id") or "")
        if tag == "article" and found:
            self.depths[int(found.group(1))] = self.open.count("ul")

    def handle_endtag(self, tag):
        if tag in ("ul", "li"):
            self.balanced = self.balanced and bool(self.open) and self.open.pop() == tag


def _depths(page: str) -> dict[int, int]:
    """Each shown post's nesting below the first post, in the order shown."""
    parser = _Nesting()
    parser.feed(page)
    assert parser.balanced and not parser.open
    top = min(parser.depths.values())
    return {post_id: depth - top for post_id, depth in parser.depths.items()}


def _chain(app, world, depth: int) -> tuple[int, list[int]]:
    """A discussion whose first post has a chain of `depth` replies, each answering the
    one before, written as the service writes a reply. Returns its id and the post ids."""
    with app.app_context():
        space = db.session.get(Space, world.spaces["forum_public"])
        member = db.session.get(User, world.users["member"].id)
        discussion = service.start_discussion(member, space, title="Ланцюжок", body="Почнімо")
        parent = service.first_post(discussion)
        ids = [parent.id]
        for i in range(depth):
            body = f"Рівень {i + 1}"
            parent = Post(
                discussion_id=discussion.id,
                parent_id=parent.id,
                author_id=member.id,
                body=body,
                body_html=render_markdown(body),
                created_at=utcnow(),
            )
            db.session.add(parent)
            db.session.flush()
            ids.append(parent.id)
        discussion.last_post_id, discussion.last_post_at = parent.id, parent.created_at
        db.session.commit()
        return discussion.id, ids


def test_a_thousand_deep_reply_chain_renders_in_every_mode(app, world, client):
    discussion_id, ids = _chain(app, world, 1000)
    for mode in ("oldest", "newest", "threaded", "nested"):
        response = client.get(f"/discussions/{discussion_id}?mode={mode}")
        assert response.status_code == 200, mode
        assert "Ланцюжок" in response.get_data(as_text=True)
    nested = _depths(client.get(f"/discussions/{discussion_id}?mode=nested").get_data(as_text=True))
    assert list(nested) == ids  # the whole chain, in order
    assert max(nested.values()) == NESTING_MAX
    threaded = client.get(f"/discussions/{discussion_id}?mode=threaded").get_data(as_text=True)
    assert "Рівень 1000" in threaded
    assert client.get(f"/api/v1/discussions/{discussion_id}/posts").status_code == 200


def test_replies_beyond_the_cap_show_flat_under_the_deepest_shown_ancestor(app, world, client):
    discussion_id, chain = _chain(app, world, NESTING_MAX + 2)
    with app.app_context():
        expert = db.session.get(User, world.users["expert"].id)
        discussion = db.session.get(Post, chain[0]).discussion
        late = service.reply(expert, discussion, body="Пізно, але вглиб", parent_id=chain[-3])
        sibling = service.reply(expert, discussion, body="Окремо", parent_id=chain[0])
        late, sibling = late.id, sibling.id
    page = client.get(f"/discussions/{discussion_id}?mode=nested").get_data(as_text=True)
    shown = _depths(page)
    # chain[-3] sits at the cap; everything below it is flat there, oldest first
    assert list(shown) == [*chain, late, sibling]
    assert [shown[i] for i in chain] == [*range(NESTING_MAX), NESTING_MAX, NESTING_MAX, NESTING_MAX]
    assert shown[late] == NESTING_MAX and shown[sibling] == 1
