"""People as others see them: the profile page's facts and where it lives. What a person
wrote comes from the features that keep it (the PERSON_PAGE_CONTEXT hook)."""

from dataclasses import dataclass

from sqlalchemy import select

from cop import policy
from cop.accounts.models import User
from cop.errors import NotFound
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community, ExpertGroup, expert_group_member
from cop.text import find_mentions, render_markdown

# The profile's address, known without a request (posts are rendered by the demo's CLI too).
PROFILE_PATH = "/people/{}"


def profile_path(user_id: int) -> str:
    return PROFILE_PATH.format(user_id)


@dataclass(frozen=True)
class Profile:
    user: User
    communities: list[str]
    expert_groups: list[str]


def get_person(viewer, user_id: int) -> Profile:
    """The person's profile, for anyone signed in; an erased person, like a missing one,
    is NotFound (one query with the rule in it, then the policy confirms). Three queries
    whatever the person's history."""
    user = db.session.scalar(
        select(User).where(User.id == user_id, policy.visible_profiles(viewer))
    )
    if user is None or not policy.can(viewer, policy.PROFILE, user):
        raise NotFound()
    communities = db.session.scalars(
        select(Community.name)
        .join(CommitteeMembership, CommitteeMembership.community_id == Community.id)
        .where(CommitteeMembership.user_id == user.id)
        .order_by(Community.name)
    )
    groups = db.session.scalars(
        select(ExpertGroup.name)
        .join(expert_group_member, expert_group_member.c.group_id == ExpertGroup.id)
        .where(expert_group_member.c.user_id == user.id)
        .order_by(ExpertGroup.name)
    )
    return Profile(user, list(communities), list(groups))


def profile_paths(usernames: set[str]) -> dict[str, str]:
    """The profile address of each of these usernames that names someone not erased."""
    if not usernames:
        return {}
    rows = db.session.execute(
        select(User.username, User.id).where(User.username.in_(usernames), User.erased_at.is_(None))
    )
    return {username: profile_path(user_id) for username, user_id in rows}


def render_post(body: str) -> str:
    """A post's HTML: the text pipeline, with each @mention of someone who exists linked to
    their profile. Linked when written, so the stored HTML is what is shown and pages cost
    no lookup (erasing a person renders the posts that link to them again). The composer's
    preview calls it too, so it shows what will be stored."""
    return render_markdown(body, profile_paths(find_mentions(body)))
