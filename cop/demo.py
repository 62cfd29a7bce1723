"""Demo data written for this project: the three hromadas of the DESPRO strategic-planning
pilot, their committees, two associations, mixed expert groups, and one account per role.
Every demo password is `demo`. Loaded only by `cop demo`."""

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from cop.accounts.models import Role, User
from cop.demo_courses import load_course_demo
from cop.demo_live import load_live_demo
from cop.extensions import db
from cop.orgs.models import Association, CommitteeMembership, Community, CommunityKind, ExpertGroup
from cop.spaces.models import Space, SpaceKind, SpaceMembership, SpaceRole, Visibility

DEMO_PASSWORD = "demo"

ASSOCIATIONS = {
    "vassr": ("Всеукраїнська асоціація сільських та селищних рад", "ВАССР"),
    "ammu": ("Асоціація малих міст України", "АММУ"),
}

COMMUNITIES = {
    "vh": ("Великогаївська сільська громада", CommunityKind.VILLAGE, "Тернопільська"),
    "nb": ("Новоборівська селищна громада", CommunityKind.SETTLEMENT, "Житомирська"),
    "nu": ("Новоукраїнська міська громада", CommunityKind.TOWN, "Кіровоградська"),
}

# email, name, role, association, committee of, expert group of
PEOPLE = [
    ("admin@example.org", "Адміністратор платформи", Role.ADMIN, None, None, None),
    ("moderator@example.org", "Ольга Романенко", Role.MODERATOR, None, None, None),
    ("expert@example.org", "Ірина Бондар", Role.EXPERT, "vassr", None, "vh"),
    ("trainee@example.org", "Андрій Мельник", Role.TRAINEE, "ammu", None, "vh"),
    ("member@example.org", "Галина Петрук", Role.MEMBER, None, "vh", None),
    ("member2@example.org", "Сергій Онищенко", Role.MEMBER, None, "nb", None),
    ("petro.savchuk@example.org", "Петро Савчук", Role.EXPERT, "ammu", None, "vh"),
    ("olena.kovalenko@example.org", "Олена Коваленко", Role.EXPERT, "ammu", None, "nb"),
    ("taras.hnatiuk@example.org", "Тарас Гнатюк", Role.EXPERT, "vassr", None, "nb"),
    ("maria.lysenko@example.org", "Марія Лисенко", Role.TRAINEE, "vassr", None, "nb"),
    ("natalia.shevchuk@example.org", "Наталія Шевчук", Role.EXPERT, "vassr", None, "nu"),
    ("yurii.tkachenko@example.org", "Юрій Ткаченко", Role.EXPERT, "ammu", None, "nu"),
    ("oksana.boiko@example.org", "Оксана Бойко", Role.TRAINEE, "ammu", None, "nu"),
    ("vasyl.diachuk@example.org", "Василь Дячук", Role.MEMBER, None, "vh", None),
    ("sofiia.humeniuk@example.org", "Софія Гуменюк", Role.MEMBER, None, "vh", None),
    ("liudmyla.kostiuk@example.org", "Людмила Костюк", Role.MEMBER, None, "nb", None),
    ("viktor.rudenko@example.org", "Віктор Руденко", Role.MEMBER, None, "nu", None),
    ("alla.moroz@example.org", "Алла Мороз", Role.MEMBER, None, "nu", None),
]

POSITIONS = {
    "member@example.org": "вчителька історії, секретар комітету",
    "vasyl.diachuk@example.org": "староста села Малі Гаї",
    "sofiia.humeniuk@example.org": "учениця 11 класу, молодіжна рада",
    "member2@example.org": "підприємець, голова комітету",
    "liudmyla.kostiuk@example.org": "начальниця фінансового відділу",
    "viktor.rudenko@example.org": "заступник міського голови",
    "alla.moroz@example.org": "директорка центру надання адміністративних послуг",
}

GROUP_NAMES = {
    "vh": "Експертна група: Великі Гаї",
    "nb": "Експертна група: Нова Борова",
    "nu": "Експертна група: Новоукраїнка",
}

ROOM_TITLES = {
    "vh": "Експертна кімната: Великі Гаї",
    "nb": "Експертна кімната: Нова Борова",
    "nu": "Експертна кімната: Новоукраїнка",
}


def load_demo() -> bool:
    """Adds the demo data once; returns False if it is already there. Commits."""
    if db.session.scalar(select(User.id).where(User.email == "admin@example.org")):
        return False
    password_hash = generate_password_hash(DEMO_PASSWORD)
    associations = {
        key: Association(name=name, short_name=short) for key, (name, short) in ASSOCIATIONS.items()
    }
    communities = {
        key: Community(name=name, kind=kind, oblast=oblast)
        for key, (name, kind, oblast) in COMMUNITIES.items()
    }
    groups = {
        key: ExpertGroup(name=GROUP_NAMES[key], communities=[communities[key]])
        for key in COMMUNITIES
    }
    users = {}
    for email, name, role, association, committee, group in PEOPLE:
        user = User(
            email=email,
            display_name=name,
            role=role,
            password_hash=password_hash,
            association=associations.get(association),
        )
        users[email] = user
        if committee:
            communities[committee].committee.append(
                CommitteeMembership(user=user, position=POSITIONS.get(email))
            )
        if group:
            groups[group].members.append(user)
    db.session.add_all(
        [*associations.values(), *communities.values(), *groups.values(), *users.values()]
    )

    general = Space(
        kind=SpaceKind.FORUM,
        visibility=Visibility.SIGNED_IN,
        title="Загальний форум",
        description="Обговорення, консультації та обмін досвідом між усіма учасниками "
        "процесу стратегічного планування: комітетами громад, експертами й стажистами.",
    )
    exchange = Space(
        kind=SpaceKind.FORUM,
        visibility=Visibility.PUBLIC,
        title="Обмін досвідом громад",
        description="Відкриті історії громад: як ми зібрали комітет, провели SWOT-аналіз, "
        "залучили молодь і бізнес. Читати можуть усі, писати — учасники платформи.",
    )
    rooms = [
        Space(
            kind=SpaceKind.EXPERT_ROOM,
            visibility=Visibility.MEMBERS,
            title=ROOM_TITLES[key],
            description="Закрита кімната експертної групи: план візитів, розподіл "
            "завдань, нотатки після засідань комітету.",
            expert_group=groups[key],
        )
        for key in COMMUNITIES
    ]
    desks = [
        Space(
            kind=SpaceKind.CONSULTATION_DESK,
            visibility=Visibility.MEMBERS,
            title=f"Консультації: {communities[key].name}",
            description="Запитання комітету до своєї експертної групи.",
            community=communities[key],
        )
        for key in COMMUNITIES
    ]
    course = Space(
        kind=SpaceKind.COURSE,
        visibility=Visibility.SIGNED_IN,
        title="Стратегічне планування розвитку громади",
        description="Шість модулів методики: від створення комітету до моніторингу "
        "виконання стратегії.",
    )
    live = Space(
        kind=SpaceKind.LIVE,
        visibility=Visibility.SIGNED_IN,
        title="Запитання та відповіді наживо",
        description="Вебінари експертів для кількох громад одночасно.",
    )
    db.session.add_all([general, exchange, *rooms, *desks, course, live])
    db.session.add(
        SpaceMembership(
            space=general, user=users["moderator@example.org"], role=SpaceRole.MODERATOR
        )
    )
    db.session.commit()
    load_live_demo()
    load_course_demo(course, users)
    return True
