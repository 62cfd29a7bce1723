"""Writing through the services and searching through the API, as users would."""

from cop.accounts.models import User
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.spaces.models import Space

API = "/api/v1/search"

# A text with two words a prefix (налашт*) finds, and its snippet for "налашт* мережа".
PREFIXED = "Ми налаштували сервер, а налаштування мережі ще попереду."
PREFIXED_MARKED = (
    "Ми <mark>налаштували</mark> сервер, а <mark>налаштування</mark> "
    "<mark>мережі</mark> ще попереду."
)


def person(world, name: str) -> User:
    return db.session.get(User, world.users[name].id)


def space(world, name: str) -> Space:
    return db.session.get(Space, world.spaces[name])


def discussion(discussion_id: int) -> Discussion:
    return db.session.get(Discussion, discussion_id)


def post(post_id: int) -> Post:
    return db.session.get(Post, post_id)


def search(client, q: str, headers=None, **params) -> dict:
    response = client.get(API, query_string={"q": q, **params}, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def finds(client, q: str, headers=None) -> int:
    """How many hits the user gets, checked against every count the answer gives."""
    found = search(client, q, headers)
    for facet in ("kind", "year"):
        assert sum(row["count"] for row in found["facets"][facet]) == found["total"]
    assert len(found["items"]) == min(found["total"], 10)
    return found["total"]


def archive_live(space_id: int, author_id: int, title: str, body: str) -> int:
    """A live session's archive, as the live feature leaves it: a discussion in the space."""
    d = Discussion(space_id=space_id, author_id=author_id, title=title)
    db.session.add(d)
    db.session.flush()
    db.session.add(Post(discussion_id=d.id, author_id=author_id, body=body, body_html=body))
    db.session.commit()
    return d.id
