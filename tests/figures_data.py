"""A hand-built set of consultations with known times, for the figures' tests.

Communities: А (Тернопільська, expert group А), Б (Житомирська, group Б) from the world,
and В (Тернопільська, also coached by group А). Times are Kyiv wall-clock times (UTC+2
in winter); working time counts Monday to Friday only.

Consultation            asked (Kyiv)          first response      resolved             rating
A1  А  platform 1   Mon 2026-01-05 10:00   +4 h same day        Wed 01-07 10:00 (2 d)   5
A2  А  platform 2   Fri 2026-01-09 18:00   Mon 01-12 10:00 (16h) Mon 02-02 18:00 (16 d) 3
A3  А  —            Sun 2026-02-01 01:30   —                    —
                    (Sat 2026-01-31 23:30 UTC: February in Kyiv)
B1  Б  platform 1   Tue 2026-01-20 09:00   +2 h                 Wed 01-21 09:00 (1 d)   2
C1  В  —            Tue 2026-02-10 10:00   Wed 02-11 10:00 (1 d) —
C0  В  —            Mon 2025-12-29 10:00   —                    Fri 2026-01-02 10:00 (4 d) 4
A4  А  —            Mon 2026-03-02 10:00   —                    —  (reopened: not resolved)
A5  А  —            Wed 2026-04-01 10:00   (after the period 2026-01..2026-03)
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cop.consultations.models import Consultation, Status
from cop.discussions.models import Discussion
from cop.extensions import db
from cop.orgs.models import Community, CommunityKind, ExpertGroup, ThematicPlatform
from cop.spaces.models import Space, SpaceKind, Visibility

KYIV = ZoneInfo("Europe/Kyiv")
UTC = ZoneInfo("UTC")


def kyiv(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KYIV)


def build_figures_world(world) -> dict[str, int]:
    """Adds community В, desks for Б and В, and the consultations above; returns the
    platform ids used (p1, p2)."""
    b = db.session.scalar(select(Community).where(Community.name == "Громада Б"))
    c = Community(name="Громада В", kind=CommunityKind.SETTLEMENT, oblast="Тернопільська")
    group_a = db.session.scalar(select(ExpertGroup).where(ExpertGroup.name == "Група А"))
    group_a.communities.append(c)
    db.session.add(c)
    desks = {"А": db.session.get(Space, world.spaces["desk"])}
    for name, community in (("Б", b), ("В", c)):
        desks[name] = Space(
            kind=SpaceKind.CONSULTATION_DESK,
            visibility=Visibility.MEMBERS,
            title=f"Консультації {name}",
            description="",
            community=community,
        )
        db.session.add(desks[name])
    db.session.flush()
    p1, p2 = db.session.scalars(
        select(ThematicPlatform.id).order_by(ThematicPlatform.position).limit(2)
    ).all()
    author = {"А": world.users["member"].id, "Б": world.users["outsider"].id}
    author["В"] = world.users["moderator"].id

    def add(title, desk, asked, first=None, resolved=None, rating=None, platform=None):
        space = desks[desk]
        created = asked if isinstance(asked, datetime) else kyiv(asked)
        discussion = Discussion(
            space_id=space.id,
            title=title,
            author_id=author[desk],
            community_id=space.community_id,
            created_at=created,
            last_post_at=created,
        )
        db.session.add(
            Consultation(
                discussion=discussion,
                community_id=space.community_id,
                platform_id=platform,
                status=Status.RESOLVED if resolved else Status.ASSIGNED,
                created_at=created,
                first_response_at=kyiv(first) if first else None,
                resolved_at=kyiv(resolved) if resolved else None,
                rating=rating,
            )
        )

    add("A1 SWOT", "А", "2026-01-05 10:00", "2026-01-05 14:00", "2026-01-07 10:00", 5, p1)
    add("A2 Бачення", "А", "2026-01-09 18:00", "2026-01-12 10:00", "2026-02-02 18:00", 3, p2)
    add("A3 Бюджет", "А", datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    add("B1 Інвестиції", "Б", "2026-01-20 09:00", "2026-01-20 11:00", "2026-01-21 09:00", 2, p1)
    add("C1 Моніторинг", "В", "2026-02-10 10:00", "2026-02-11 10:00")
    add("C0 Індикатори", "В", "2025-12-29 10:00", None, "2026-01-02 10:00", 4)
    add("A4 Повторно", "А", "2026-03-02 10:00")
    add("A5 Пізніше", "А", "2026-04-01 10:00")
    db.session.commit()
    return {"p1": p1, "p2": p2}


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def add_communities(world, n: int) -> None:
    """n more communities in as many oblasts, each with a desk and a consultation a month
    through 2025 and 2026, resolved a day later."""
    author = world.users["moderator"].id
    for i in range(n):
        community = Community(
            name=f"Громада {i}", kind=CommunityKind.VILLAGE, oblast=f"Область {i}"
        )
        desk = Space(
            kind=SpaceKind.CONSULTATION_DESK,
            visibility=Visibility.MEMBERS,
            title=f"Консультації {i}",
            description="",
            community=community,
        )
        db.session.add(desk)
        db.session.flush()
        for month in range(24):
            asked = kyiv(f"{2025 + month // 12}-{month % 12 + 1:02d}-10 10:00")
            db.session.add(
                Consultation(
                    discussion=Discussion(
                        space_id=desk.id,
                        title=f"Питання {i}.{month}",
                        author_id=author,
                        community_id=community.id,
                        created_at=asked,
                    ),
                    community_id=community.id,
                    status=Status.RESOLVED,
                    created_at=asked,
                    first_response_at=asked + HOUR,
                    resolved_at=asked + DAY,
                    rating=4,
                )
            )
    db.session.commit()
