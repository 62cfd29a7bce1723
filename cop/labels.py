"""Translated names of the domain's enumerations, for pages and forms.

Keyed by enum class first: StrEnum members hash like their values, so Role.MODERATOR and
SpaceRole.MODERATOR would otherwise overwrite each other."""

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from cop.accounts.models import EmailMode, Role
from cop.consultations.models import Consent, Status
from cop.courses.models import Completion, ModuleStatus
from cop.discussions.models import ForumType, GroupMode, ReadTracking, SubscriptionMode
from cop.forms import options
from cop.live.models import QuestionStatus, SessionStatus
from cop.notifications.models import NotificationKind
from cop.orgs.models import CommunityKind
from cop.spaces.models import SpaceKind, SpaceRole, Visibility

LABELS = {
    Role: {
        Role.ADMIN: _l("Administrator"),
        Role.MODERATOR: _l("Moderator"),
        Role.EXPERT: _l("Expert"),
        Role.TRAINEE: _l("Trainee"),
        Role.MEMBER: _l("Committee member"),
    },
    CommunityKind: {
        CommunityKind.VILLAGE: _l("rural"),
        CommunityKind.SETTLEMENT: _l("settlement"),
        CommunityKind.TOWN: _l("urban"),
    },
    SpaceKind: {
        SpaceKind.FORUM: _l("Forum"),
        SpaceKind.EXPERT_ROOM: _l("Expert room"),
        SpaceKind.COURSE: _l("Course"),
        SpaceKind.CONSULTATION_DESK: _l("Consultation desk"),
        SpaceKind.LIVE: _l("Live Q&A"),
    },
    Visibility: {
        Visibility.PUBLIC: _l("Everyone, also without signing in"),
        Visibility.SIGNED_IN: _l("Everyone signed in"),
        Visibility.MEMBERS: _l("Members only"),
    },
    ForumType: {
        ForumType.STANDARD: _l("Ordinary forum"),
        ForumType.QANDA: _l("Questions and answers: others' replies show after your own"),
        ForumType.SINGLE: _l("One discussion only"),
        ForumType.EACH_ONE: _l("Each member starts one discussion"),
        ForumType.BLOG: _l("Blog: full posts, newest first"),
    },
    ReadTracking: {
        ReadTracking.OPTIONAL: _l("Unread posts marked for those who want it (profile setting)"),
        ReadTracking.FORCED: _l("Unread posts marked for everyone"),
        ReadTracking.OFF: _l("No unread marks"),
    },
    SubscriptionMode: {
        SubscriptionMode.OPTIONAL: _l("Subscription by choice"),
        SubscriptionMode.FORCED: _l("Everyone subscribed, no unsubscribing"),
        SubscriptionMode.AUTO: _l("Everyone subscribed, may unsubscribe"),
        SubscriptionMode.DISABLED: _l("Subscription disabled"),
    },
    EmailMode: {
        EmailMode.IMMEDIATE: _l("Each notification as it comes"),
        EmailMode.DIGEST: _l("One digest a day"),
        EmailMode.OFF: _l("No emails, only the bell"),
    },
    GroupMode: {
        GroupMode.NONE: _l("No groups"),
        GroupMode.SEPARATE: _l("Separate groups: each community sees its own"),
        GroupMode.VISIBLE: _l("Visible groups: all read, each writes in its own"),
    },
    SpaceRole: {
        SpaceRole.MEMBER: _l("Member"),
        SpaceRole.MODERATOR: _l("Space moderator"),
    },
    Status: {
        Status.NEW: _l("New"),
        Status.ASSIGNED: _l("Assigned"),
        Status.ANSWERED: _l("Answered"),
        Status.AWAITING_COMMITTEE: _l("Awaiting the committee"),
        Status.RESOLVED: _l("Resolved"),
        Status.CLOSED: _l("Closed"),
    },
    Consent: {
        Consent.NONE: _l("Not to be published"),
        Consent.ANONYMISED: _l("May be published anonymised"),
        Consent.FULL: _l("May be published, also with our name"),
    },
    SessionStatus: {
        SessionStatus.SCHEDULED: _l("Scheduled"),
        SessionStatus.LIVE: _l("Live now"),
        SessionStatus.ENDED: _l("Ended"),
    },
    QuestionStatus: {
        QuestionStatus.PENDING: _l("Waiting for approval"),
        QuestionStatus.VISIBLE: _l("Visible"),
        QuestionStatus.HIDDEN: _l("Hidden"),
    },
    ModuleStatus: {
        ModuleStatus.DRAFT: _l("Draft"),
        ModuleStatus.PUBLISHED: _l("Published"),
    },
    NotificationKind: {
        NotificationKind.DISCUSSION: _l("New discussions in what I follow"),
        NotificationKind.REPLY: _l("Replies in what I follow"),
        NotificationKind.MENTION: _l("Mentions of me"),
        NotificationKind.ASSIGNED: _l("A consultation assigned to me"),
        NotificationKind.AWAITING: _l("A consultation of my committee answered"),
        NotificationKind.RATED: _l("A rating of a consultation I worked on"),
        NotificationKind.DRAFT: _l("A draft module awaiting publishing"),
        NotificationKind.REPORT: _l("A post reported to the moderators"),
        NotificationKind.MODULE: _l("A new module in a course I follow"),
        NotificationKind.LIVE_SOON: _l("A live session I follow starts in 15 minutes"),
    },
    Completion: {
        Completion.MANUAL: _l("The learner marks it completed"),
        Completion.VIEW: _l("Completed once opened"),
        Completion.DISCUSSIONS: _l("Completed after starting discussions in its forum"),
        Completion.REPLIES: _l("Completed after replying in its forum"),
        Completion.POSTS: _l("Completed after posting in its forum"),
    },
}


def label(value) -> str:
    """The value's name in the request's language, translated once per request."""
    if not has_request_context():
        return str(LABELS.get(type(value), {}).get(value, value))
    memo = g.setdefault("_labels", {})
    key = (type(value), value)
    if key not in memo:
        memo[key] = str(LABELS.get(type(value), {}).get(value, value))
    return memo[key]


def choices(enum, order=None) -> list:
    return options((m.value, label(m)) for m in (order or enum))
