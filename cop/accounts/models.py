import re
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, event, or_, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from cop.db import utcnow
from cop.extensions import db

EMAIL_MAX = 254
NAME_MAX = 120
PASSWORD_MIN = 8
PASSWORD_MAX = 200
USERNAME_MAX = 30
USER_AGENT_MAX = 200


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    EXPERT = "expert"
    TRAINEE = "trainee"
    MEMBER = "member"


def enum_column(enum: type[StrEnum]) -> Enum:
    """Enums stored as plain strings: portable between SQLite and PostgreSQL, easy to migrate."""
    return Enum(
        enum,
        native_enum=False,
        length=max(len(m.value) for m in enum),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class EmailMode(StrEnum):
    """How a person gets notifications by email: each at once, one digest a day, or none."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The handle others @mention; made from the email when the account is created.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    locale: Mapped[str] = mapped_column(String(2), default="uk")
    active: Mapped[bool] = mapped_column(default=True)
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id"), index=True)
    email_mode: Mapped[EmailMode] = mapped_column(
        enum_column(EmailMode), default=EmailMode.IMMEDIATE
    )
    digest_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 'Mark all read': everything posted up to then counts as read (cop/discussions/reads.py).
    all_read_until: Mapped[datetime | None]
    # Erased by an administrator (cop/accounts/erasure.py): the row stays, so what the
    # person wrote keeps its place, with every personal field replaced.
    erased_at: Mapped[datetime | None]
    # Unread markers and counts in forums whose read tracking is optional (cop/discussions/
    # reads.py); forced forums track for everyone, forums with tracking off for nobody.
    track_reads: Mapped[bool] = mapped_column(default=True, server_default=true())

    association = relationship("Association", lazy="joined")
    # The sign-in this request came with, `LoginSession.id.secret` (set by
    # cop/accounts/sessions.py), not a column: Flask-Login keeps it in the session and the
    # remember-me cookie, and the socket of that sign-in joins its room.
    login_id = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_id

    def __eq__(self, other) -> bool:
        # UserMixin compares get_id(), which names a sign-in here: compare the person.
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    __hash__ = None  # as UserMixin's: a person is mutable

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.MODERATOR)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


def username_base(email: str) -> str:
    """The part of an email address before the @, reduced to what a username allows."""
    local = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())
    local = re.sub(r"^[^a-z0-9]+|[^a-z0-9_]+$", "", local)[: USERNAME_MAX - 4]
    return local if len(local) >= 2 else f"user{local}"


@event.listens_for(Session, "before_flush")
def _assign_usernames(session, _context, _instances) -> None:
    """Every new account gets a unique username, whichever code path creates it: the
    email's local part, numbered when taken."""
    new = [o for o in session.new if isinstance(o, User) and not o.username]
    if not new:
        return
    bases = {username_base(user.email) for user in new}
    with session.no_autoflush:
        taken = set(
            session.scalars(
                select(User.username).where(or_(*(User.username.startswith(b) for b in bases)))
            )
        )
    for user in new:
        base = username_base(user.email)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        user.username = name
        taken.add(name)


class AccessToken(db.Model):
    """A personal access token for the API; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LinkPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


class AccountLink(db.Model):
    """A single-use emailed link: an invitation or a password reset; only its hash is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


# Looked for in a user agent in this order (Edge and Opera also say Chrome, Chrome also
# says Safari, Android also says Linux).
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


class LoginSession(db.Model):
    """One sign-in of one person on one device: what the session and the remember-me
    cookie carry is `id.secret`, and only the secret's SHA-256 is stored. Deleting
    the row signs that device out (cop/accounts/sessions.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX))
    remember: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def device(self) -> str:
        """What a person recognises their device by: browser and system, from the
        user agent it signed in with ("Firefox, Windows"), or the user agent itself."""
        found = [
            next((name for key, name in table if key in self.user_agent), None)
            for table in (BROWSERS, SYSTEMS)
        ]
        known = [name for name in found if name]
        return ", ".join(known) if known else self.user_agent[:60]


class ResetRequest(db.Model):
    """A password reset asked for and not yet handled: the request only stores the address,
    whatever it is; the mail worker looks it up and sends the link (so the answer takes
    the same time for every address)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
