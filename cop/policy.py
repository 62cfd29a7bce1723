"""Who may do what. The only place access is decided.

`can(user, action, target)` answers for one object; `readable_spaces(user)` is the same
read rule as an SQL condition, for lists. Pages, the API, sockets, file downloads and
search all ask here. `require()` raises NotFound when the user may not even see the
target, so a private space is never confirmed to exist.
"""

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import wraps

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from cop import person_cache
from cop.access_counter import ScopeGeneration
from cop.accounts.models import Role, User
from cop.attachments.models import Attachment
from cop.consultations.models import Consultation
from cop.courses.models import CourseModule, ModuleStatus
from cop.db import UTCDateTime, utcnow
from cop.discussions.models import (
    Discussion,
    ForumSettings,
    ForumType,
    GroupMode,
    Post,
    settings_of,
)
from cop.errors import Forbidden, NotFound
from cop.extensions import db
from cop.guest_cache import PageGeneration
from cop.live.models import LiveQuestion, LiveSession, QuestionStatus, StaffRole
from cop.notifications.models import Notification, NotificationKind
from cop.orgs.models import (
    Association,
    CommitteeMembership,
    Community,
    ExpertGroup,
    expert_group_community,
    expert_group_member,
)
from cop.person_cache import EVERYONE, PersonGeneration
from cop.spaces.models import Space, SpaceKind, SpaceMembership, SpaceRole, Visibility

VIEW = "view"
POST = "post"
REPLY = "reply"
MODERATE = "moderate"
MANAGE = "manage"
PROFILE = "profile"  # a person's public profile page
ACTIONS = (VIEW, POST, REPLY, MODERATE, MANAGE)

STAFF = (Role.ADMIN, Role.MODERATOR)
EXPERTS = (Role.EXPERT, Role.TRAINEE)
# Kinds whose readers follow the space's visibility setting; the others are closed by nature.
OPEN_KINDS = (SpaceKind.FORUM, SpaceKind.COURSE, SpaceKind.LIVE)
CLOSED_KINDS = (SpaceKind.EXPERT_ROOM, SpaceKind.CONSULTATION_DESK)


class Site:
    """Target for site-wide actions: `moderate` opens the admin area (spaces,
    memberships, organisations, inviting users); `manage` is the operator's (roles, staff)."""

    def __repr__(self) -> str:
        return "SITE"


SITE = Site()


@dataclass(frozen=True)
class Facts:
    """What access depends on, loaded once per user per request."""

    committee_community_ids: frozenset[int]
    group_ids: frozenset[int]
    group_community_ids: frozenset[int]
    space_roles: Mapping[int, SpaceRole]


def _facts_query():
    """Every fact of the users in `:user_ids`, one UNION ALL, built once; and the access
    counter's value (cop/access_counter.py) read in the same statement. The facts come
    only when that value is not `:known`, the one the caller holds facts for: so keeping
    them costs the same one statement as loading them, and both see one snapshot."""
    ids = bindparam("user_ids", expanding=True)
    none = null().cast(String)
    counter = select(ScopeGeneration.value).where(ScopeGeneration.id == 1).scalar_subquery()
    stale = func.coalesce(counter, -1) != bindparam("known")
    people = or_(PersonGeneration.user_id.in_(ids), PersonGeneration.user_id == EVERYONE)
    return union_all(
        select(literal("counter"), null(), ScopeGeneration.value, none).where(
            ScopeGeneration.id == 1
        ),
        select(
            literal("committee"),
            CommitteeMembership.user_id,
            CommitteeMembership.community_id,
            none,
        ).where(stale, CommitteeMembership.user_id.in_(ids)),
        select(
            literal("group"), expert_group_member.c.user_id, expert_group_member.c.group_id, none
        ).where(stale, expert_group_member.c.user_id.in_(ids)),
        select(
            literal("coached"),
            expert_group_member.c.user_id,
            expert_group_community.c.community_id,
            none,
        )
        .join(
            expert_group_community,
            expert_group_community.c.group_id == expert_group_member.c.group_id,
        )
        .where(stale, expert_group_member.c.user_id.in_(ids)),
        select(
            literal("space"),
            SpaceMembership.user_id,
            SpaceMembership.space_id,
            SpaceMembership.role.cast(String),
        ).where(stale, SpaceMembership.user_id.in_(ids)),
        # the key of the counts kept per person (cop/person_cache.py), in the same snapshot
        # (last: PostgreSQL types a UNION's NULL columns from the branches before)
        select(literal("page"), null(), PageGeneration.value, none).where(PageGeneration.id == 1),
        select(literal("person"), PersonGeneration.user_id, PersonGeneration.value, none).where(
            people
        ),
    )


_FACTS_QUERY = _facts_query()
NOTHING_KEPT = -2  # never the counter's value (nor the -1 standing for its missing row)


def _load_facts(user_ids: list[int], known: int = NOTHING_KEPT):
    """The facts of several users in one query, and the access counter's value (None
    without its row); no facts at all when the counter still is `known`."""
    rows = db.session.execute(_FACTS_QUERY, {"user_ids": user_ids, "known": known})
    found = {u: {"committee": set(), "group": set(), "coached": set()} for u in user_ids}
    roles = {u: {} for u in user_ids}
    counter = page = None
    generations = {}
    for kind, user_id, key, role in rows:
        if kind == "counter":
            counter = key
        elif kind == "page":
            page = key
        elif kind == "person":
            generations[user_id] = key
        elif kind == "space":
            roles[user_id][key] = SpaceRole(role)
        else:
            found[user_id][kind].add(key)
    facts = {
        u: Facts(
            frozenset(found[u]["committee"]),
            frozenset(found[u]["group"]),
            frozenset(found[u]["coached"]),
            roles[u],
        )
        for u in user_ids
    }
    if len(user_ids) == 1 and page is not None:
        person_cache.remember_key(
            user_ids[0], (page, generations.get(EVERYONE), generations.get(user_ids[0]))
        )
    return facts, counter


# How many people's facts a process keeps between requests (each a few sets of ids).
CACHED_FACTS = 4096


class _Known:
    """A person's facts and the SQL conditions built from them, loaded while the access
    counter held `generation`."""

    __slots__ = ("generation", "facts", "conditions")

    def __init__(self, generation: int, facts: Facts) -> None:
        self.generation, self.facts, self.conditions = generation, facts, {}


class _KnownFacts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.people: OrderedDict[int, _Known] = OrderedDict()


def _known(user_id: int) -> _Known | Facts:
    """This person's facts from the process's cache while the access counter has not
    moved (a write in any process that may change them moves it), else loaded again and
    kept under the value read with them."""
    cache = current_app.extensions.setdefault("cop_policy_facts", _KnownFacts())
    with cache.lock:
        held = cache.people.get(user_id)
    loaded, counter = _load_facts([user_id], held.generation if held else NOTHING_KEPT)
    if held is not None and counter == held.generation:
        with cache.lock:
            cache.people.move_to_end(user_id)
        return held
    if counter is None:  # a database without the counter's row keeps nothing
        return loaded[user_id]
    known = _Known(counter, loaded[user_id])
    with cache.lock:
        cache.people[user_id] = known
        while len(cache.people) > CACHED_FACTS:
            cache.people.popitem(last=False)
    return known


def facts(user: User) -> Facts:
    if not has_app_context():
        return _load_facts([user.id])[0][user.id]
    cache = g.setdefault("_policy_facts", {})
    if user.id not in cache:
        known = _known(user.id)
        if isinstance(known, Facts):
            cache[user.id] = known
        else:
            cache[user.id] = known.facts
            g.setdefault("_policy_conditions", {})[user.id] = known.conditions
    return cache[user.id]


def preload_facts(users) -> None:
    """Load the facts of many users at once before asking about each of them."""
    cache = g.setdefault("_policy_facts", {})
    missing = [u.id for u in users if u.id not in cache]
    if missing:
        cache.update(_load_facts(missing)[0])


def forget() -> None:
    """Drop cached facts; services call this after changing memberships (and committing:
    the counter is read again)."""
    if has_app_context():
        for key in ("_policy_facts", "_policy_conditions"):
            g.pop(key, None)


# The conditions of guests: the same for everyone, in every process.
_GUEST_CONDITIONS: dict = {}


def _remembered(build):
    """An SQL condition that depends only on the user's role, id and facts, built once for
    as long as the facts hold (for guests once per process); the statements around it are
    new each time. Conditions that read the clock or the user's own posts are not."""
    name = f"{build.__module__}.{build.__qualname__}"

    @wraps(build)
    def condition(user) -> ColumnElement[bool]:
        user = _unwrapped(user)
        role = _role(user)
        if role is None:
            memo = _GUEST_CONDITIONS
        elif has_app_context():
            facts(user)
            memo = g.setdefault("_policy_conditions", {}).setdefault(user.id, {})
        else:
            return build(user)
        key = (name, role)
        found = memo.get(key)
        if found is None:
            found = memo[key] = build(user)
        return found

    return condition


def remembered(build):
    """For the features' queries: a statement built around the conditions above from the
    user's role, id and facts alone (its values as bound parameters), remembered like
    them, so a page that runs it neither builds it nor walks it for the compiled cache's
    key again while the facts hold."""
    return _remembered(build)


def _role(user) -> Role | None:
    return user.role if getattr(user, "is_authenticated", False) else None


def _unwrapped(user):
    """The person behind Flask-Login's `current_user` proxy, which looks them up again on
    every attribute read (a page's questions read the role and id hundreds of times)."""
    get = getattr(user, "_get_current_object", None)
    return user if get is None else get()


def can(user, action: str, target) -> bool:
    user = _unwrapped(user)
    if isinstance(target, Space):
        return _can_space(user, action, target)
    if isinstance(target, Discussion):
        return _can_discussion(user, action, target)
    if isinstance(target, Post):
        return _can_post_action(user, action, target)
    if isinstance(target, Consultation):
        return _can_consultation(user, action, target)
    if isinstance(target, Attachment):
        return _can_attachment(user, action, target)
    if isinstance(target, CourseModule):
        return _can_module(user, action, target)
    if isinstance(target, Notification):
        return _can_notification(user, action, target)
    if isinstance(target, Site):
        return _can_site(user, action)
    if isinstance(target, User):
        return _can_user(user, action, target)
    if isinstance(target, Community | Association | ExpertGroup):
        return _can_org(user, action)
    if isinstance(target, LiveSession):
        return _can_live(user, action, target)
    raise TypeError(f"no policy for {type(target).__name__}")


def require(user, action: str, target) -> None:
    """Raise NotFound if the user may not see the target at all, Forbidden otherwise."""
    if not can(user, VIEW, target):
        raise NotFound()
    if action != VIEW and not can(user, action, target):
        raise Forbidden()


# --- spaces -----------------------------------------------------------------------------


def _can_read_space(user, space: Space) -> bool:
    if not _module_forum_allows(user, space):
        return False
    role = _role(user)
    if role is None:
        return space.kind in OPEN_KINDS and space.visibility == Visibility.PUBLIC
    if role in STAFF:
        return True
    f = facts(user)
    if space.kind == SpaceKind.EXPERT_ROOM:
        return role in EXPERTS and (
            space.expert_group_id in f.group_ids or space.id in f.space_roles
        )
    if space.kind == SpaceKind.CONSULTATION_DESK:
        return (
            space.community_id in f.committee_community_ids
            or (role in EXPERTS and space.community_id in f.group_community_ids)
            or space.id in f.space_roles
        )
    return space.visibility != Visibility.MEMBERS or space.id in f.space_roles


def _is_space_expert(user, space: Space) -> bool:
    """An expert (not a trainee) who leads this space by the nature of its kind."""
    if user.role != Role.EXPERT:
        return False
    f = facts(user)
    if space.kind == SpaceKind.EXPERT_ROOM:
        return space.expert_group_id in f.group_ids
    if space.kind == SpaceKind.CONSULTATION_DESK:
        return space.community_id in f.group_community_ids
    # A course, and the forum of each of its modules.
    return space.kind == SpaceKind.COURSE or space.course_module is not None


def _can_post(user, space: Space) -> bool:
    """Start something new: a discussion, a module, a consultation, a live question."""
    if space.knowledge_base:  # its discussions are published consultations
        return user.role == Role.MODERATOR
    if space.kind == SpaceKind.COURSE:
        return user.role in (Role.EXPERT, Role.TRAINEE, Role.MODERATOR)
    if space.kind == SpaceKind.CONSULTATION_DESK:
        return (
            user.role == Role.MODERATOR or space.community_id in facts(user).committee_community_ids
        )
    return True


def _can_space(user, action: str, space: Space) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = _role(user)
    if role == Role.ADMIN:
        return True
    if not _can_read_space(user, space):
        return False
    if action == VIEW:
        return True
    if role is None:
        return False
    if action == MANAGE:
        return role == Role.MODERATOR
    if action == MODERATE:
        return (
            role == Role.MODERATOR
            or facts(user).space_roles.get(space.id) == SpaceRole.MODERATOR
            or _is_space_expert(user, space)
        )
    if action == POST:
        return _can_post(user, space)
    return True  # REPLY: everyone signed in who reads the space


@_remembered
def readable_spaces(user) -> ColumnElement[bool]:
    """The read rule of `_can_read_space` as an SQL condition on Space, for lists and counts."""
    return and_(_readable_spaces_by_kind(user), _readable_module_forums(user))


def _readable_spaces_by_kind(user) -> ColumnElement[bool]:
    role = _role(user)
    open_kind = Space.kind.in_(OPEN_KINDS)
    if role is None:
        return and_(open_kind, Space.visibility == Visibility.PUBLIC)
    if role in STAFF:
        return true()
    f = facts(user)
    member_of = Space.id.in_(list(f.space_roles)) if f.space_roles else false()
    clauses = [
        and_(open_kind, or_(Space.visibility != Visibility.MEMBERS, member_of)),
        and_(
            Space.kind == SpaceKind.CONSULTATION_DESK,
            or_(Space.community_id.in_(f.committee_community_ids), member_of),
        ),
    ]
    if role in EXPERTS:
        clauses += [
            and_(
                Space.kind == SpaceKind.EXPERT_ROOM,
                or_(Space.expert_group_id.in_(f.group_ids), member_of),
            ),
            and_(
                Space.kind == SpaceKind.CONSULTATION_DESK,
                Space.community_id.in_(f.group_community_ids),
            ),
        ]
    return or_(*clauses)


@_remembered
def moderated_spaces(user) -> ColumnElement[bool]:
    """The MODERATE rule of `_can_space` as an SQL condition on Space, for spaces the
    user may view (combine with `readable_spaces`)."""
    role = _role(user)
    if role is None:
        return false()
    if role in STAFF:
        return true()
    f = facts(user)
    moderating = [i for i, r in f.space_roles.items() if r == SpaceRole.MODERATOR]
    clauses = [Space.id.in_(moderating)] if moderating else []
    if role == Role.EXPERT:  # `_is_space_expert`
        clauses += [
            and_(Space.kind == SpaceKind.EXPERT_ROOM, Space.expert_group_id.in_(f.group_ids)),
            and_(
                Space.kind == SpaceKind.CONSULTATION_DESK,
                Space.community_id.in_(f.group_community_ids),
            ),
            Space.kind == SpaceKind.COURSE,
            Space.id.in_(select(CourseModule.forum_id).correlate(None)),
        ]
    return or_(false(), *clauses)


# --- consultation desks ------------------------------------------------------------------


class Party(StrEnum):
    """Who someone is at a consultation desk; the life cycle
    (cop/consultations/lifecycle.py) says which party may make which move."""

    COMMITTEE = "committee"  # a member of the desk's community's committee
    TEAM = "team"  # an expert or trainee of a group coaching the community
    STAFF = "staff"  # moderators and admins


def _in_desk_team(user, space: Space) -> bool:
    """Experts and trainees of the expert groups coaching the desk's community, or added
    to the desk by hand."""
    if _role(user) not in EXPERTS or space.kind != SpaceKind.CONSULTATION_DESK:
        return False
    f = facts(user)
    return space.community_id in f.group_community_ids or space.id in f.space_roles


def desk_parties(user, space: Space) -> frozenset[Party]:
    if _role(user) is None or space.kind != SpaceKind.CONSULTATION_DESK:
        return frozenset()
    parties = set()
    if space.community_id in facts(user).committee_community_ids:
        parties.add(Party.COMMITTEE)
    if _in_desk_team(user, space):
        parties.add(Party.TEAM)
    if _role(user) in STAFF:
        parties.add(Party.STAFF)
    return frozenset(parties)


def sees_internal(user, space: Space) -> bool:
    """Internal notes are for the desk's experts and trainees and for staff: never for the
    committee (not even one made a moderator of the desk), nor anyone else."""
    return _role(user) in STAFF or _in_desk_team(user, space)


@_remembered
def internal_readable_spaces(user) -> ColumnElement[bool]:
    """`sees_internal` as an SQL condition on Space."""
    role = _role(user)
    if role in STAFF:
        return true()
    if role not in EXPERTS:
        return false()
    f = facts(user)
    member_of = Space.id.in_(list(f.space_roles)) if f.space_roles else false()
    return and_(
        Space.kind == SpaceKind.CONSULTATION_DESK,
        or_(Space.community_id.in_(f.group_community_ids), member_of),
    )


def assignable(space: Space, person: User) -> bool:
    """Who may be assigned a consultation: the desk's active experts and trainees."""
    return person.active and _in_desk_team(person, space)


def desk_team(space: Space) -> ColumnElement[bool]:
    """`assignable` as an SQL condition on User, for the desk's list of people."""
    coaching = (
        select(expert_group_member.c.user_id)
        .join(
            expert_group_community,
            expert_group_community.c.group_id == expert_group_member.c.group_id,
        )
        .where(expert_group_community.c.community_id == space.community_id)
    )
    added = select(SpaceMembership.user_id).where(SpaceMembership.space_id == space.id)
    return and_(
        User.role.in_(EXPERTS),
        User.active.is_(True),
        or_(User.id.in_(coaching), User.id.in_(added)),
    )


def may_assign(user, space: Space, assignee: User) -> bool:
    """Experts and trainees of the desk take a consultation on themselves (and give it
    up); staff assign and unassign anyone."""
    parties = desk_parties(user, space)
    return Party.STAFF in parties or (Party.TEAM in parties and assignee.id == user.id)


def works_desks(user) -> bool:
    """Experts, trainees and staff work consultations (which desks: `desk_parties`)."""
    return _role(user) in STAFF + EXPERTS


def consults(user) -> bool:
    """Whether the user has any consultation desk to go to (for the menu)."""
    role = _role(user)
    if role is None:
        return False
    return role in STAFF + EXPERTS or bool(facts(user).committee_community_ids)


# --- the knowledge base -----------------------------------------------------------------

# Consultation actions besides the discussion ones: consent (the committee agrees to
# publishing), publish (an expert of the desk, or staff), see_origin (the link from the
# published copy back to the consultation: for those who work it, never the public).


def _can_consultation(user, action: str, consultation: Consultation) -> bool:
    if action not in ("consent", "publish", "see_origin"):
        return _can_discussion(user, action, consultation.discussion)
    if not _can_discussion(user, VIEW, consultation.discussion):
        return False
    parties = desk_parties(user, consultation.discussion.space)
    if action == "consent":
        return Party.COMMITTEE in parties
    if action == "publish":
        return Party.STAFF in parties or (Party.TEAM in parties and user.role == Role.EXPERT)
    return bool(parties & {Party.TEAM, Party.STAFF})


# --- discussions and posts ------------------------------------------------------------

# Discussion actions: view, reply, moderate (pin, lock, move), reply_privately, tag (set
# its tags), notes (see and write a consultation's internal notes).
# Post actions: view, view_body, view_author, view_attachments, history, edit, delete, react,
# report.


def _my_communities(user) -> frozenset[int]:
    """The communities whose groups the user belongs to: their committee's, and those an
    expert group of theirs coaches."""
    if _role(user) is None:
        return frozenset()
    f = facts(user)
    if user.role in EXPERTS:
        return f.committee_community_ids | f.group_community_ids
    return f.committee_community_ids


def in_community_group(user, community_id: int | None) -> bool:
    """Whether the user belongs to a community's group: its committee, or an expert group
    coaching it. Discussions for all participants (None) belong to everyone."""
    return community_id is None or community_id in _my_communities(user)


def _group_allows(user, discussion: Discussion, write: bool) -> bool:
    mode = settings_of(discussion.space).group_mode
    if mode == GroupMode.NONE or _can_space(user, MODERATE, discussion.space):
        return True
    if mode == GroupMode.VISIBLE and not write:
        return True
    return in_community_group(user, discussion.community_id)


def _displayed(discussion: Discussion) -> bool:
    """Within its display period (a timed discussion), or not timed at all."""
    now = utcnow()
    return (discussion.display_from is None or discussion.display_from <= now) and (
        discussion.display_until is None or now < discussion.display_until
    )


def coaches(user, discussion: Discussion) -> bool:
    """Who reads a discussion's private replies besides their author and addressee and the
    space's moderators, as Moodle's teachers do (`readprivatereplies`): the experts and
    trainees of the expert groups coaching the space's community or the discussion's group,
    and those added to a consultation desk's team. (The space's experts moderate it, and
    moderators read everything.)"""
    if _role(user) not in EXPERTS:
        return False
    coached = facts(user).group_community_ids
    return (
        discussion.community_id in coached
        or _in_desk_team(user, discussion.space)
        or discussion.space.community_id in coached
    )


def _coached_groups(user) -> frozenset[int]:
    """The communities whose discussions' private replies the user reads (`coaches`)."""
    return facts(user).group_community_ids if _role(user) in EXPERTS else frozenset()


@_remembered
def coached_spaces(user) -> ColumnElement[bool]:
    """The spaces in whose every discussion the user `coaches`, as an SQL condition on
    Space."""
    if _role(user) not in EXPERTS:
        return false()
    f = facts(user)
    clauses = [Space.community_id.in_(f.group_community_ids)]
    if f.space_roles:  # `_in_desk_team`: added to a desk by hand
        clauses.append(
            and_(Space.kind == SpaceKind.CONSULTATION_DESK, Space.id.in_(list(f.space_roles)))
        )
    return or_(*clauses)


@_remembered
def coached_discussions(user) -> ColumnElement[bool]:
    """`coaches` as an SQL condition on Discussion joined with its Space."""
    if _role(user) not in EXPERTS:
        return false()
    return or_(coached_spaces(user), Discussion.community_id.in_(_coached_groups(user)))


def in_discussion_group(discussion: Discussion, users) -> list:
    """Those of these people who belong to the discussion's group (its community's
    committee or coaching experts) or act in all groups (the space's moderators): who
    hears of its posts in a forum with groups, visible or separate, as in Moodle. In a
    forum without groups, and in a discussion for all participants, everyone."""
    users = list(users)
    preload_facts(users)
    return [u for u in users if _group_allows(u, discussion, write=True)]


def _can_discussion(user, action: str, discussion: Discussion) -> bool:
    space = discussion.space
    if action == VIEW:
        return (
            _can_space(user, VIEW, space)
            and _group_allows(user, discussion, write=False)
            and (_displayed(discussion) or _can_space(user, MODERATE, space))
        )
    if not _can_discussion(user, VIEW, discussion):
        return False
    if action == MODERATE:
        return _can_space(user, MODERATE, space)
    if action == REPLY:
        return (
            _can_space(user, REPLY, space)
            and _group_allows(user, discussion, write=True)
            and (not discussion.locked or _can_space(user, MODERATE, space))
        )
    if action == "reply_privately":
        return _can_discussion(user, REPLY, discussion) and (
            _role(user) in (Role.EXPERT, Role.MODERATOR, Role.ADMIN)
            or _can_space(user, MODERATE, space)
        )
    if action == "tag":  # its author and the space's moderators
        return _role(user) is not None and (
            discussion.author_id == user.id or _can_space(user, MODERATE, space)
        )
    if action == "notes":  # see and write a consultation's internal notes
        return space.kind == SpaceKind.CONSULTATION_DESK and sees_internal(user, space)
    return False


def displayed_discussions() -> ColumnElement[bool]:
    """`_displayed` as an SQL condition on Discussion; the moment is taken when the
    statement runs, so a condition built once (`_remembered`) stays right."""
    now = bindparam("now", callable_=utcnow, type_=UTCDateTime(), unique=True)
    return and_(
        or_(Discussion.display_from.is_(None), Discussion.display_from <= now),
        or_(Discussion.display_until.is_(None), Discussion.display_until > now),
    )


def next_change(user) -> datetime | None:
    """The next moment what the user may read changes with the clock alone, in one query:
    a discussion's display period opening or closing (`_displayed`), or a post of the
    user's own leaving its edit window (`qanda_unlocked`: counted for any own post, which
    is sooner or the same). None when nothing is waiting. For caches of counts."""
    now = utcnow()
    start = now - edit_window()
    soonest = [
        select(func.min(Discussion.display_from)).where(Discussion.display_from > now),
        select(func.min(Discussion.display_until)).where(Discussion.display_until > now),
    ]
    if _role(user) is not None:
        soonest.append(
            select(func.min(Post.created_at)).where(
                Post.author_id == user.id, Post.created_at > start
            )
        )
    row = db.session.execute(select(*(q.scalar_subquery() for q in soonest))).one()
    moments = [m for m in row if m is not None]
    if len(row) == 3 and row[2] is not None:
        moments[-1] += edit_window()
    return min(moments, default=None)


def readable_discussions(user, space: Space) -> ColumnElement[bool]:
    """The group-mode and display-period parts of discussion VIEW as SQL, for a space
    the user may view."""
    if _can_space(user, MODERATE, space):
        return true()
    if settings_of(space).group_mode != GroupMode.SEPARATE:
        return displayed_discussions()
    return and_(_in_my_groups(user), displayed_discussions())


def discussion_read_rule(user, space: Space) -> tuple:
    """What `readable_discussions` depends on for this user, besides the clock and what
    everyone writes: the same value means the same condition (a key for lists of
    discussions kept for everyone it applies to)."""
    if _can_space(user, MODERATE, space):
        return ("all",)
    if settings_of(space).group_mode != GroupMode.SEPARATE:
        return ("displayed",)
    return ("groups", tuple(sorted(_my_communities(user))))


@_remembered
def _in_my_groups(user) -> ColumnElement[bool]:
    mine = _my_communities(user)
    if not mine:
        return Discussion.community_id.is_(None)
    return or_(Discussion.community_id.is_(None), Discussion.community_id.in_(mine))


def report_groups(user, space: Space) -> frozenset[int] | None:
    """Whose participation a person who moderates the space sees in its reports
    (cop/discussions/participation.py): everyone's (None), or, in a forum with separate
    groups, a group's staff (an expert who moderates the space by its kind, as in a
    course's module forums) only the people and discussions of their own groups, as
    Moodle's non-editing teachers. The site's staff and the space's own moderators see
    every group."""
    if settings_of(space).group_mode != GroupMode.SEPARATE:
        return None
    if _role(user) in STAFF or facts(user).space_roles.get(space.id) == SpaceRole.MODERATOR:
        return None
    return _my_communities(user)


def report_discussions(user, space: Space) -> ColumnElement[bool]:
    """`report_groups` as an SQL condition on Discussion: the discussions of the reader's
    groups and those for all participants."""
    groups = report_groups(user, space)
    if groups is None:
        return true()
    return or_(Discussion.community_id.is_(None), Discussion.community_id.in_(groups))


def group_people(community_ids) -> ColumnElement[bool]:
    """An SQL condition on a user id column's owner (User): the people of these
    communities' groups, their committees and the experts and trainees coaching them
    (`in_community_group`)."""
    ids = list(community_ids)
    committees = select(CommitteeMembership.user_id).where(
        CommitteeMembership.community_id.in_(ids)
    )
    coaches = (
        select(expert_group_member.c.user_id)
        .join(
            expert_group_community,
            expert_group_community.c.group_id == expert_group_member.c.group_id,
        )
        .where(expert_group_community.c.community_id.in_(ids))
    )
    return or_(
        User.id.in_(committees),
        and_(User.role.in_(EXPERTS), User.id.in_(coaches)),
    )


def _spaces_with(setting: ColumnElement[bool]):
    return select(ForumSettings.space_id).where(setting)


@_remembered
def readable_discussions_anywhere(user) -> ColumnElement[bool]:
    """Discussion VIEW for the discussions of many spaces at once, as an SQL condition on
    Discussion joined with its Space: the space's read rule, the group mode and the
    display period."""
    separate = _spaces_with(ForumSettings.group_mode == GroupMode.SEPARATE)
    moderated = moderated_spaces(user)
    return and_(
        readable_spaces(user),
        or_(
            Discussion.space_id.not_in(separate),
            moderated,
            _in_my_groups(user),
        ),
        or_(moderated, displayed_discussions()),
    )


def qanda_unlocked(user, discussion: Discussion) -> bool:
    """In a Q&A forum, others' replies show once the user's own reply is older than the
    edit window (so nobody copies and then edits). Moderators, experts and whoever asked
    the question see everything."""
    return discussion.id in qanda_unlocked_among(user, [discussion])


def qanda_unlocked_among(user, discussions: list[Discussion]) -> set[int]:
    """The ids of these discussions whose replies the user may see, in one query at most."""
    user = _unwrapped(user)
    unlocked, pending = set(), []
    cache = g.setdefault("_policy_qanda", {}) if has_app_context() else {}
    for discussion in discussions:
        space = discussion.space
        if (
            settings_of(space).forum_type != ForumType.QANDA
            or _can_space(user, MODERATE, space)
            or _role(user) == Role.EXPERT  # Moodle's teachers see answers without posting
            or (_role(user) is not None and discussion.author_id == user.id)
        ):
            unlocked.add(discussion.id)
        elif _role(user) is not None:
            pending.append(discussion.id)
    missing = [d for d in pending if (user.id, d) not in cache]
    if missing:
        done = set(
            db.session.scalars(
                select(Post.discussion_id)
                .where(
                    Post.discussion_id.in_(missing),
                    Post.author_id == user.id,
                    Post.parent_id.is_not(None),
                    Post.deleted_at.is_(None),
                    Post.created_at <= utcnow() - edit_window(),
                )
                .distinct()
            )
        )
        cache.update({(user.id, d): d in done for d in missing})
    return unlocked | {d for d in pending if cache[(user.id, d)]}


# The user's own posts beside the posts of a query; made once (an alias adapts its columns
# the first time each is used, a cost paid on every call if made per call).
_OWN_POST = aliased(Post)


def _edit_window_start():
    """The moment before which posts left their edit window, as a parameter worked out
    each time a statement runs (so conditions holding it can be kept)."""
    return bindparam(
        "edit_window_start",
        callable_=lambda: utcnow() - edit_window(),
        type_=Post.created_at.type,
        unique=True,
    )


@_remembered
def qanda_unlocked_anywhere(user) -> ColumnElement[bool]:
    """`qanda_unlocked` as an SQL condition on Discussion joined with its Space, for the
    discussions of many spaces at once."""
    not_qanda = Discussion.space_id.not_in(
        _spaces_with(ForumSettings.forum_type == ForumType.QANDA)
    )
    role = _role(user)
    if role is None:
        return not_qanda
    if role == Role.EXPERT:
        return true()
    own = _OWN_POST
    answered = exists().where(
        own.discussion_id == Discussion.id,
        own.author_id == user.id,
        own.parent_id.is_not(None),
        own.deleted_at.is_(None),
        own.created_at <= _edit_window_start(),
    )
    return or_(not_qanda, moderated_spaces(user), Discussion.author_id == user.id, answered)


def last_activity(user, space: Space) -> ColumnElement:
    """When a discussion of this space last moved as far as the user may see, as SQL on
    Discussion joined with its Space: in a Q&A forum whose answers the user may not read
    yet, when it was started (an answer they may not see must not reorder their list)."""
    if settings_of(space).forum_type != ForumType.QANDA:
        return Discussion.last_post_at
    return last_activity_anywhere(user)


def last_activity_anywhere(user) -> ColumnElement:
    """`last_activity` for the discussions of many spaces at once, as SQL on Discussion
    joined with its Space."""
    return case(
        (qanda_unlocked_anywhere(user), Discussion.last_post_at), else_=Discussion.created_at
    )


def readable_posts_anywhere(
    user, unlocked: ColumnElement[bool] | None = None
) -> ColumnElement[bool]:
    """`readable_posts` for the posts of many discussions (that the user may view) at
    once, as an SQL condition on Post joined with its Discussion and Space. `unlocked`:
    where others' replies show (the Q&A rule), if the caller already knows; by default
    `qanda_unlocked_anywhere`."""
    if unlocked is None:
        return _readable_posts_unlocked_anywhere(user)
    return _readable_posts_anywhere(user, unlocked)


@_remembered
def _readable_posts_unlocked_anywhere(user) -> ColumnElement[bool]:
    return _readable_posts_anywhere(user, qanda_unlocked_anywhere(user))


def _readable_posts_anywhere(user, unlocked: ColumnElement[bool]) -> ColumnElement[bool]:
    if _role(user) is None:
        return and_(
            Post.private_to_id.is_(None),
            Post.internal.is_(False),
            or_(Post.parent_id.is_(None), unlocked),
        )
    own = Post.author_id == user.id
    return and_(
        or_(Post.internal.is_(False), internal_readable_spaces(user)),
        or_(
            moderated_spaces(user),
            and_(
                or_(
                    Post.private_to_id.is_(None),
                    Post.private_to_id == user.id,
                    own,
                    coached_discussions(user),
                ),
                or_(Post.parent_id.is_(None), own, unlocked),
            ),
        ),
    )


def readable_posts(user, discussion: Discussion | None = None) -> ColumnElement[bool]:
    """The post VIEW rule as SQL, for a discussion the user may view: everyone sees public
    posts; a private reply only its author, its addressee and the space's moderators; in a
    Q&A forum others' replies wait for the user's own (see `qanda_unlocked`); internal
    notes only for those who see them (see `sees_internal`)."""
    user = _unwrapped(user)
    if discussion is None or not sees_internal(user, discussion.space):
        return and_(Post.internal.is_(False), _readable_posts(user, discussion))
    return _readable_posts(user, discussion)


def _readable_posts(user, discussion: Discussion | None) -> ColumnElement[bool]:
    if discussion is not None and _can_discussion(user, MODERATE, discussion):
        return true()
    if _role(user) is None:
        clause = Post.private_to_id.is_(None)
    elif discussion is not None and coaches(user, discussion):
        clause = true()
    else:
        clause = or_(
            Post.private_to_id.is_(None), Post.private_to_id == user.id, Post.author_id == user.id
        )
    if discussion is not None and not qanda_unlocked(user, discussion):
        own = Post.author_id == user.id if _role(user) is not None else false()
        clause = and_(clause, or_(Post.parent_id.is_(None), own))
    return clause


def _has_replies(post: Post) -> bool:
    known = getattr(post, "has_replies", None)  # set by queries.load_thread for a whole page
    if known is not None:
        return known
    # Only public replies count: an internal note must not show itself to the committee
    # by taking away their "delete".
    return db.session.scalar(
        select(exists().where(Post.parent_id == post.id, Post.internal.is_(False)))
    )


def edit_window() -> timedelta:
    return timedelta(minutes=current_app.config["COP_EDIT_WINDOW_MINUTES"])


def require_edit(user, post: Post, action: str = "edit") -> None:
    """`require(user, action, post)` for "edit" or "delete", saying so when what stands in
    the way is the author's edit window having passed."""
    require(user, VIEW, post)
    ctx = _post_context(_unwrapped(user), post.discussion)
    if _post_allows(ctx, action, post):
        return
    if (
        post.deleted_at is None
        and ctx.user_id == post.author_id
        and post.created_at < ctx.edit_after
    ):
        minutes = current_app.config["COP_EDIT_WINDOW_MINUTES"]
        raise Forbidden(_("The %(n)s minutes to edit have passed.", n=minutes))
    raise Forbidden()


@dataclass(frozen=True)
class _PostContext:
    """What the post rules need about the user and the discussion, computed once."""

    user_id: int | None
    visible: bool  # the user may view the discussion
    moderator: bool
    unlocked: bool  # Q&A: others' replies are visible to the user
    edit_after: object  # posts created after this moment are still editable
    internal: bool  # the user sees internal notes (consultation desks)
    desk: bool  # a consultation: its question goes only with the consultation (staff)
    staff: bool
    coach: bool  # reads private replies (`coaches`)


def _post_context(user, discussion: Discussion) -> _PostContext:
    signed_in = _role(user) is not None
    return _PostContext(
        user_id=user.id if signed_in else None,
        visible=_can_discussion(user, VIEW, discussion),
        moderator=_can_space(user, MODERATE, discussion.space),
        unlocked=qanda_unlocked(user, discussion),
        edit_after=utcnow() - edit_window(),
        internal=sees_internal(user, discussion.space),
        desk=discussion.space.kind == SpaceKind.CONSULTATION_DESK,
        staff=_role(user) in STAFF,
        coach=coaches(user, discussion),
    )


def _post_allows(ctx: _PostContext, action: str, post: Post) -> bool:
    if not ctx.visible or (post.internal and not ctx.internal):
        return False
    is_author = ctx.user_id is not None and post.author_id == ctx.user_id
    if action == VIEW:
        if ctx.moderator or is_author:
            return True
        if post.parent_id is not None and not ctx.unlocked:
            return False
        return (
            post.private_to_id is None
            or ctx.coach
            or (ctx.user_id is not None and post.private_to_id == ctx.user_id)
        )
    if action == "history":  # every revision: the author and moderators
        return ctx.moderator or is_author
    if action == "view_body":  # a hidden post is a placeholder to everyone else
        return _post_allows(ctx, VIEW, post) and (
            post.hidden_at is None or ctx.moderator or is_author
        )
    if action == "view_author":  # a deleted post's placeholder names nobody but to moderators
        return _post_allows(ctx, VIEW, post) and (post.deleted_at is None or ctx.moderator)
    if action == "view_attachments":  # a deleted post's files: moderators only
        return _post_allows(ctx, "view_body", post) and (post.deleted_at is None or ctx.moderator)
    if post.deleted_at is not None or ctx.user_id is None:
        return False
    if action == "edit":
        return ctx.moderator or (is_author and post.created_at >= ctx.edit_after)
    if action == "delete":
        if ctx.desk and post.parent_id is None:  # deleting it deletes the consultation
            return ctx.staff
        if ctx.moderator:
            return True
        return is_author and post.created_at >= ctx.edit_after and not _has_replies(post)
    if action in ("react", "report"):
        return _post_allows(ctx, "view_body", post) and not is_author
    return False


def _can_post_action(user, action: str, post: Post) -> bool:
    return _post_allows(_post_context(user, post.discussion), action, post)


POST_PAGE_ACTIONS = (
    "view_body",
    "view_author",
    "view_attachments",
    "history",
    "edit",
    "delete",
    "react",
    "report",
)


def post_permissions(user, discussion: Discussion, posts: list[Post]) -> dict[str, set[int]]:
    """For a page of posts: the ids allowing each action, by the same rules as `can`,
    with the discussion-level facts worked out once instead of once per post."""
    ctx = _post_context(_unwrapped(user), discussion)
    return {
        action: {post.id for post in posts if _post_allows(ctx, action, post)}
        for action in POST_PAGE_ACTIONS
    }


def readable_bodies(user, discussion: Discussion, posts: list[Post]) -> list[Post]:
    """Those of these posts, not deleted, whose text the user may read (post
    `view_body`): what an export of the discussion holds."""
    ctx = _post_context(_unwrapped(user), discussion)
    return [p for p in posts if p.deleted_at is None and _post_allows(ctx, "view_body", p)]


def _can_notification(user, action: str, notification: Notification) -> bool:
    """A notification is its addressee's alone, and only while they may still read what
    it is about: the post (a report: as one of the space's moderators), the module or
    the live session."""
    if action != VIEW or _role(user) is None or notification.user_id != user.id:
        return False
    if notification.module is not None:
        return _can_module(user, VIEW, notification.module)
    if notification.live_session is not None:
        return _can_live(user, VIEW, notification.live_session)
    post = notification.post
    if notification.kind == NotificationKind.REPORT and not _can_space(
        user, MODERATE, post.discussion.space
    ):
        return False
    return _can_post_action(user, "view_body", post)


def readable_notifications(user) -> ColumnElement[bool]:
    """`_can_notification` VIEW as an SQL condition on Notification outer-joined with its
    Post, the post's Discussion and its Space (posts deleted or hidden since left out)."""
    about_post = and_(
        Notification.post_id.is_not(None),
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
        readable_discussions_anywhere(user),
        readable_posts_anywhere(user),
        or_(Notification.kind != NotificationKind.REPORT, moderated_spaces(user)),
    )
    modules = select(CourseModule.id).where(readable_modules(user)).correlate(None)
    sessions = (
        select(LiveSession.id)
        .join(Space, Space.id == LiveSession.space_id)
        .where(readable_spaces(user))
        .correlate(None)
    )
    return and_(
        Notification.user_id == user.id,
        or_(
            about_post,
            Notification.module_id.in_(modules),
            Notification.live_session_id.in_(sessions),
        ),
    )


def readers(post: Post, users, soon: bool = False) -> list:
    """Those of these people who may read the post (its body, not a hidden placeholder):
    whom to notify. Asks the same rules as `can`, with everyone's facts loaded at once.
    `soon`: also those whom only a Q&A forum holds back (they will read the post once
    an answer of their own there has left its edit window)."""
    users = [u for u in users if u.active]
    if not users:
        return []
    preload_facts(users)
    discussion = post.discussion
    if settings_of(discussion.space).forum_type == ForumType.QANDA:
        answered = set(
            db.session.scalars(
                select(Post.author_id).where(
                    Post.discussion_id == discussion.id,
                    Post.author_id.in_([u.id for u in users]),
                    Post.parent_id.is_not(None),
                    Post.deleted_at.is_(None),
                    Post.created_at <= utcnow() - edit_window(),
                )
            )
        )
        cache = g.setdefault("_policy_qanda", {})
        cache.update({(u.id, discussion.id): u.id in answered for u in users})
    found = []
    for user in users:
        ctx = _post_context(user, discussion)
        if _post_allows(replace(ctx, unlocked=True) if soon else ctx, "view_body", post):
            found.append(user)
    return found


def viewers(discussion: Discussion, users) -> list:
    """Those of these people who may view the discussion (and so read a post in it that is
    for everyone), with everyone's facts loaded at once."""
    users = [u for u in users if u.active]
    preload_facts(users)
    return [u for u in users if _can_discussion(u, VIEW, discussion)]


def _can_attachment(user, action: str, attachment: Attachment) -> bool:
    """A file goes with its post's text: seen by whoever may read it (never a hidden,
    private or Q&A-held post's, nor a deleted one's but by moderators), removed by
    whoever may edit the post."""
    if attachment.module_id is not None:  # a course module's resource
        return _can_module_resource(user, action, attachment)
    if action == VIEW:
        return _can_post_action(user, "view_attachments", attachment.post)
    if action == "delete":
        return _can_post_action(user, "edit", attachment.post)
    return False


# --- site, users, organisations ---------------------------------------------------------


def _can_site(user, action: str) -> bool:
    role = _role(user)
    if action == VIEW:
        return True
    if action == MODERATE:
        return role in STAFF
    if action == MANAGE:
        return role == Role.ADMIN
    return False


def _can_user(user, action: str, target: User) -> bool:
    """People may see themselves; staff see everyone; moderators manage non-staff only;
    nobody manages an erased account (it cannot be given back a name or a sign-in).
    Everyone signed in sees the profile of anyone not erased."""
    role = _role(user)
    if role is None:
        return False
    if action == PROFILE:
        return target.erased_at is None
    if action == VIEW:
        return role in STAFF or user.id == target.id
    if action == MANAGE and target.erased_at is not None:
        return False
    if action == MANAGE:
        return role == Role.ADMIN or (role == Role.MODERATOR and target.role not in STAFF)
    return False


def visible_profiles(user) -> ColumnElement[bool]:
    """User PROFILE as SQL: everyone not erased, for people signed in."""
    if _role(user) is None:
        return false()
    return User.erased_at.is_(None)


def _can_org(user, action: str) -> bool:
    """Communities, associations and expert groups are known to everyone signed in."""
    role = _role(user)
    if action == VIEW:
        return role is not None
    if action == MANAGE:
        return _can_site(user, MODERATE)
    return False


# --- consultation figures ---------------------------------------------------------------


def sees_figures(user) -> bool:
    """The monthly consultation figures (page, CSV, API) are for experts and staff, who
    report to the associations; which consultations they count is the read rule
    (`readable_discussions_anywhere`). Committees, trainees and guests are refused."""
    return _role(user) in (*STAFF, Role.EXPERT)


# --- live sessions ----------------------------------------------------------------------

# Session actions: view, ask (and vote), moderate (approve and hide questions, see pending
# and hidden ones and the authors of anonymous ones), host (answer, highlight, start, end).
LIVE_KINDS = (SpaceKind.FORUM, SpaceKind.LIVE)


def can_schedule_live(user, space: Space) -> bool:
    """Experts and staff schedule live sessions in forums and live spaces they may post in."""
    return (
        _role(user) in (Role.EXPERT, Role.MODERATOR, Role.ADMIN)
        and space.kind in LIVE_KINDS
        and _can_space(user, POST, space)
    )


def may_host(person: User) -> bool:
    """Who may be made a session's host: experts, and staff."""
    return person.active and person.role in (Role.EXPERT, Role.MODERATOR, Role.ADMIN)


def _live_staff_role(user, session: LiveSession) -> StaffRole | None:
    for staff in session.staff:
        if staff.user_id == user.id:
            return staff.role
    return None


def _can_live(user, action: str, session: LiveSession) -> bool:
    if not _can_space(user, VIEW, session.space):
        return False
    if action == VIEW:
        return True
    role = _role(user)
    if role is None:
        return False
    if action == "ask":  # and vote
        return _can_space(user, REPLY, session.space)
    staff_role = _live_staff_role(user, session)
    if action == "host":
        return role in STAFF or staff_role == StaffRole.HOST
    if action == MODERATE:
        return staff_role is not None or _can_space(user, MODERATE, session.space)
    return False


def sees_question(user, question: LiveQuestion, moderates: bool | None = None) -> bool:
    """Pending and hidden questions reach only the session's moderators and hosts
    (`moderates`: `can(user, MODERATE, session)`, asked here when not given) and their
    author."""
    if question.status == QuestionStatus.VISIBLE:
        return True
    if _role(user) is not None and question.author_id == user.id:
        return True
    return can(user, MODERATE, question.session) if moderates is None else moderates


# --- courses ----------------------------------------------------------------------------

# Module actions: view, edit, publish (also unpublish, reorder, delete), complete,
# progress (see everyone's progress in the course).
# A draft module is seen by its author and by whoever may publish it: the course's
# moderators (experts, moderators, the course's own moderators) and admins. Learners see
# published modules only; the module's forum follows the module.


def _may_publish(user, course: Space) -> bool:
    return _can_space(user, MODERATE, course)


def _can_module(user, action: str, module: CourseModule) -> bool:
    course = module.course
    if action == VIEW:
        return _can_space(user, VIEW, course) and (
            module.status == ModuleStatus.PUBLISHED
            or (_role(user) is not None and module.author_id == user.id)
            or _may_publish(user, course)
        )
    if _role(user) is None or not _can_module(user, VIEW, module):
        return False
    if action == "edit":  # a published module changes only by those who publish
        if module.status == ModuleStatus.PUBLISHED:
            return _may_publish(user, course)
        return module.author_id == user.id or _may_publish(user, course)
    if action == "publish":
        return _may_publish(user, course)
    if action == "complete":
        return module.status == ModuleStatus.PUBLISHED
    if action == "progress":
        return _may_publish(user, course)
    return False


@_remembered
def readable_attachments(user) -> ColumnElement[bool]:
    """Attachment VIEW as an SQL condition on Attachment (the rules of `_can_attachment`:
    a post's file with its post's text (a hidden post's: its author and moderators), never
    a deleted post's but for moderators; a
    module's resource with its module), so that a fetch by id checks access in the same
    query and a file that is not the user's costs what a missing one does."""
    post_files = (
        select(Post.id)
        .join(Discussion, Discussion.id == Post.discussion_id)
        .join(Space, Space.id == Discussion.space_id)
        .where(
            Post.id == Attachment.post_id,
            readable_discussions_anywhere(user),
            readable_posts_anywhere(user),
            or_(
                and_(Post.deleted_at.is_(None), Post.hidden_at.is_(None)),
                moderated_spaces(user),
                and_(Post.deleted_at.is_(None), Post.author_id == user.id)
                if _role(user) is not None
                else false(),
            ),
        )
    )
    module_files = select(CourseModule.id).where(
        CourseModule.id == Attachment.module_id, readable_modules(user)
    )
    return or_(post_files.exists(), module_files.exists())


def _can_module_resource(user, action: str, attachment: Attachment) -> bool:
    module = db.session.get(CourseModule, attachment.module_id)
    if action == VIEW:
        return _can_module(user, VIEW, module)
    if action == "delete":
        return _can_module(user, "edit", module)
    return False


def _module_forum_allows(user, space: Space) -> bool:
    """A module's forum is readable only with its module (the forum's own visibility
    applies on top)."""
    module = space.course_module if space.kind == SpaceKind.FORUM else None
    return module is None or _can_module(user, VIEW, module)


@_remembered
def readable_modules(user) -> ColumnElement[bool]:
    """Module VIEW as an SQL condition on CourseModule: for lists, counts and search."""
    courses = select(Space.id).where(_readable_spaces_by_kind(user)).correlate(None)
    if _role(user) is None:
        return and_(
            CourseModule.status == ModuleStatus.PUBLISHED, CourseModule.course_id.in_(courses)
        )
    if _role(user) == Role.ADMIN:
        return true()
    publishing = select(Space.id).where(moderated_spaces(user)).correlate(None)
    return and_(
        CourseModule.course_id.in_(courses),
        or_(
            CourseModule.status == ModuleStatus.PUBLISHED,
            CourseModule.author_id == user.id,
            CourseModule.course_id.in_(publishing),
        ),
    )


@_remembered
def _readable_module_forums(user) -> ColumnElement[bool]:
    """`_module_forum_allows` as an SQL condition on Space."""
    if _role(user) == Role.ADMIN:
        return true()
    hidden = select(CourseModule.forum_id).where(~readable_modules(user)).correlate(None)
    return Space.id.not_in(hidden)


# --- search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchScope:
    """What a user may read, as sets of ids the search index can filter on, derived from
    the read rules above (cop/search/permissions.py turns it into the index query):

    - posts in `spaces` (`readable_spaces`);
    - in `grouped` spaces (separate groups, not moderated by the user), only discussions
      for all participants or for one of `groups` (`readable_discussions_anywhere`);
    - internal notes only in `internal` spaces (`internal_readable_spaces`);
    - nothing of the `timed_out` discussions (outside their display period, in spaces
      the user does not moderate);
    - in `moderated` spaces everything else; elsewhere (`readable_posts_anywhere`): no
      private replies but the user's own, those to them, and those in the `coached`
      spaces or the discussions of the `coached_groups` (`coaches`), in `qanda` spaces no others'
      replies outside the `unlocked` discussions (`qanda_unlocked_anywhere`), and no
      hidden posts but the user's own (a hidden post's body is for its author and the
      moderators: post `view_body`).
    """

    user_id: int | None
    spaces: frozenset[int]
    moderated: frozenset[int]
    grouped: frozenset[int]
    groups: frozenset[int]
    internal: frozenset[int]
    qanda: frozenset[int]
    unlocked: frozenset[int]
    coached: frozenset[int]
    coached_groups: frozenset[int]
    timed_out: frozenset[int] = frozenset()


def search_scope(user) -> SearchScope:
    """The SearchScope of a user: `memberships_scope`, `unlocked_discussions` and
    `timed_out_discussions`."""
    scope = memberships_scope(user)
    return replace(
        scope,
        unlocked=unlocked_discussions(user, scope.qanda),
        timed_out=timed_out_discussions(scope),
    )


def timed_out_discussions(scope: SearchScope) -> frozenset[int]:
    """The discussions outside their display period in the scope's spaces that the user
    does not moderate (it changes with time: read on every search, from the few timed
    discussions only)."""
    return frozenset(
        db.session.scalars(
            select(Discussion.id).where(
                or_(Discussion.display_from.is_not(None), Discussion.display_until.is_not(None)),
                Discussion.space_id.in_(list(scope.spaces - scope.moderated)),
                ~displayed_discussions(),
            )
        )
    )


def memberships_scope(user) -> SearchScope:
    """The SearchScope of a user without its `unlocked` discussions, in six queries. It
    depends only on the user, their memberships (spaces, committees, expert groups), the
    spaces themselves (kind, visibility, community, expert group, forum settings) and
    course modules, never on posts, discussions or the time: cop/search/scope.py caches
    it until one of those tables is written."""

    def ids(query) -> frozenset[int]:
        return frozenset(db.session.scalars(query))

    readable = readable_spaces(user)
    spaces = ids(select(Space.id).where(readable))
    moderated = ids(select(Space.id).where(readable, moderated_spaces(user)))
    settings = select(ForumSettings.space_id).where(ForumSettings.space_id.in_(spaces))
    grouped = ids(settings.where(ForumSettings.group_mode == GroupMode.SEPARATE)) - moderated
    qanda = ids(settings.where(ForumSettings.forum_type == ForumType.QANDA)) - moderated
    return SearchScope(
        user_id=user.id if _role(user) is not None else None,
        spaces=spaces,
        moderated=moderated,
        grouped=grouped,
        groups=_my_communities(user),
        internal=ids(select(Space.id).where(readable, internal_readable_spaces(user))),
        qanda=qanda,
        unlocked=frozenset(),
        coached=ids(select(Space.id).where(readable, coached_spaces(user))),
        coached_groups=_coached_groups(user),
    )


def unlocked_discussions(user, qanda: frozenset[int]) -> frozenset[int]:
    """The discussions of the Q&A spaces `qanda` whose replies the user may read
    (`qanda_unlocked_anywhere`: it changes with the user's own posts and with time)."""
    if not qanda:
        return frozenset()
    return frozenset(
        db.session.scalars(
            select(Discussion.id)
            .join(Space, Discussion.space_id == Space.id)
            .where(Discussion.space_id.in_(qanda), qanda_unlocked_anywhere(user))
        )
    )
