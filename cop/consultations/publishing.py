"""The knowledge base: resolved consultations, published with their committee's consent
as ordinary discussions in a public forum, so that other communities can read (and
later search) what was already answered.

The committee records its consent on the consultation: none, anonymised only, or full.
An expert of the desk (or staff) then publishes a copy of the question and its public
replies, never the internal notes, private replies or hidden posts; anonymised, the
community's name, its people and contact details are replaced (cop/consultations/
anonymise.py) and the committee's posts are signed by the committee as a whole.
Files are left out unless chosen one by one. The copy does not point back to the
consultation: only those who work it see that link (policy "see_origin")."""

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from cop import policy
from cop.accounts.models import Role, User
from cop.attachments import service as attachments
from cop.attachments.models import Attachment
from cop.consultations.anonymise import anonymiser
from cop.consultations.models import Consent, Consultation, EventKind, Status
from cop.consultations.service import record_event
from cop.db import utcnow
from cop.discussions.models import TITLE_MAX, Discussion, ForumSettings, ForumType, Post
from cop.errors import Conflict, Forbidden, Invalid
from cop.extensions import db
from cop.notifications import service as notifications
from cop.orgs.models import CommitteeMembership
from cop.spaces.models import Space, SpaceKind, Visibility
from cop.text import render_markdown

PUBLISHABLE = (Status.RESOLVED, Status.CLOSED)
# The account signing an anonymised copy's committee posts; it cannot sign in.
COMMITTEE_EMAIL = "committee@knowledge-base.invalid"


def _default_locale():
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def knowledge_base() -> Space | None:
    return db.session.scalar(
        select(Space).where(Space.knowledge_base.is_(True)).order_by(Space.id).limit(1)
    )


def _new_knowledge_base() -> Space:
    with _default_locale():
        space = Space(
            kind=SpaceKind.FORUM,
            visibility=Visibility.PUBLIC,
            knowledge_base=True,
            title=_("Knowledge base: consultations"),
            description=_(
                "Questions that communities asked the experts and the answers they got, "
                "published with the committees' consent."
            ),
        )
    db.session.add_all([space, ForumSettings(space=space, forum_type=ForumType.STANDARD)])
    return space


def _committee_account() -> User:
    account = db.session.scalar(select(User).where(User.email == COMMITTEE_EMAIL))
    if account is None:
        with _default_locale():
            name = _("The community's committee")
        account = User(email=COMMITTEE_EMAIL, display_name=name, active=False)
        db.session.add(account)
        db.session.flush()
    return account


def public_posts(consultation: Consultation) -> list[Post]:
    """The question and the replies everyone in the conversation sees, oldest first."""
    return list(
        db.session.scalars(
            select(Post)
            .where(
                Post.discussion_id == consultation.discussion_id,
                Post.internal.is_(False),
                Post.private_to_id.is_(None),
                Post.deleted_at.is_(None),
                Post.hidden_at.is_(None),
            )
            .order_by(Post.created_at, Post.id)
        )
    )


def publishable_files(consultation: Consultation) -> list[Attachment]:
    """The files of the public posts: those a publisher may choose to include."""
    ids = [p.id for p in public_posts(consultation)]
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.post_id.in_(ids)).order_by(Attachment.id)
        )
    )


def _check_publishing(actor, consultation: Consultation, anonymise: bool) -> None:
    policy.require(actor, policy.VIEW, consultation)
    if not policy.can(actor, "publish", consultation):
        raise Forbidden(_("Consultations are published by the desk's experts and moderators."))
    if consultation.published_discussion_id is not None:
        raise Conflict(_("This consultation is already in the knowledge base."))
    if consultation.status not in PUBLISHABLE:
        raise Conflict(_("Only a resolved or closed consultation can be published."))
    if consultation.publish_consent == Consent.NONE:
        raise Conflict(_("The committee has not agreed to publishing this consultation."))
    if consultation.publish_consent == Consent.ANONYMISED and not anonymise:
        raise Conflict(_("The committee agreed to publishing it only anonymised."))


def _chosen_files(consultation: Consultation, attachment_ids: Iterable[int]) -> list[Attachment]:
    wanted = set(attachment_ids)
    offered = {a.id: a for a in publishable_files(consultation)} if wanted else {}
    if wanted - set(offered):
        raise Invalid(
            fields={"attachment_ids": _("Only files of the public replies can be included.")}
        )
    return [offered[i] for i in sorted(wanted)]


def _rewriter(consultation: Consultation, posts: list[Post], anonymise: bool):
    if not anonymise:
        return lambda text: text
    people = db.session.scalars(
        select(User)
        .join(CommitteeMembership, CommitteeMembership.user_id == User.id)
        .where(CommitteeMembership.community_id == consultation.community_id)
    )
    named = {u.id: u for u in people} | {p.author.id: p.author for p in posts if _signed_away(p)}
    with _default_locale():
        marks = {
            "community_mark": _("[community]"),
            "person_mark": _("[committee member]"),
            "contact_mark": _("[contact]"),
        }
    return anonymiser(
        [consultation.community.name],
        [(u.display_name, u.username) for u in named.values()],
        **marks,
    )


def _signed_away(post: Post) -> bool:
    """Whether an anonymised copy signs the post by the committee instead of its author:
    everyone's but the experts', trainees' and staff's."""
    return post.author.role == Role.MEMBER


def publish(
    actor,
    consultation: Consultation,
    *,
    anonymise: bool = False,
    attachment_ids: Iterable[int] = (),
) -> Discussion:
    """Copy a resolved or closed consultation, as its committee agreed, into the
    knowledge base (created on first use): its title, question and public replies in the
    same threads, anonymised if asked, with the chosen files. Those following the
    knowledge base are notified. Commits."""
    _check_publishing(actor, consultation, anonymise)
    files = _chosen_files(consultation, attachment_ids)
    posts = public_posts(consultation)
    if not posts or posts[0].parent_id is not None:
        raise Conflict(_("The question is hidden or deleted: there is nothing to publish."))
    rewrite = _rewriter(consultation, posts, anonymise)
    committee = _committee_account() if anonymise else None
    space = knowledge_base() or _new_knowledge_base()
    now = utcnow()

    def author_of(post: Post) -> int:
        return committee.id if committee is not None and _signed_away(post) else post.author_id

    discussion = Discussion(
        space=space,
        title=rewrite(consultation.title)[:TITLE_MAX],
        author_id=author_of(posts[0]),
        created_at=now,
        reply_count=len(posts) - 1,
    )
    db.session.add(discussion)
    copies: dict[int, Post] = {}
    for post in posts:  # oldest first, so a parent is copied before its replies
        parent = None
        if post.parent_id is not None:  # a reply to a post left out answers the question
            parent = copies.get(post.parent_id, copies[posts[0].id])
        body = rewrite(post.body)
        copies[post.id] = Post(
            discussion=discussion,
            parent_id=parent.id if parent else None,
            author_id=author_of(post),
            body=body,
            body_html=render_markdown(body),
            created_at=post.created_at,
        )
        db.session.add(copies[post.id])
        db.session.flush()  # its id, for its replies
    discussion.last_post_id = copies[posts[-1].id].id
    discussion.last_post_at = posts[-1].created_at
    attachments.copy_attachments((a, copies[a.post_id]) for a in files)
    consultation.published_discussion_id = discussion.id
    record_event(
        consultation,
        actor,
        EventKind.PUBLISHED,
        detail={"discussion_id": discussion.id, "anonymised": anonymise, "files": len(files)},
    )
    notifications.announce(copies[posts[0].id], actor)
    db.session.commit()
    return discussion


def origin(user, discussion: Discussion) -> Consultation | None:
    """The consultation a knowledge-base discussion was published from, for those who
    may see that link."""
    if not discussion.space.knowledge_base:
        return None
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.published_discussion_id == discussion.id)
    )
    if consultation is None or not policy.can(user, "see_origin", consultation):
        return None
    return consultation
