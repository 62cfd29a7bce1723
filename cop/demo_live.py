"""Live Q&A for the demo: a session in progress in the general forum, with questions,
votes, a highlight and an answer, and an ended one with its archive. Written through
cop.live.service, so the policy checks every step; a second call does nothing."""

from datetime import timedelta

from sqlalchemy import select

from cop.accounts.models import User
from cop.db import utcnow
from cop.extensions import db
from cop.live import service
from cop.live.models import LiveQuestion, LiveSession
from cop.spaces.models import Space

GENERAL = "Загальний форум"
NOW_TITLE = "Бюджет участі в малій громаді: запитання до експертки"
PAST_TITLE = "Як написати стратегічні цілі, які можна виміряти"

# (asker, text, anonymous, voters)
NOW_QUESTIONS = [
    (
        "member@example.org",
        "Чи можна проводити голосування за проєкти бюджету участі лише онлайн, "
        "якщо в старостинських округах погано з інтернетом?",
        False,
        [
            "vasyl.diachuk@example.org",
            "sofiia.humeniuk@example.org",
            "member2@example.org",
            "liudmyla.kostiuk@example.org",
            "alla.moroz@example.org",
        ],
    ),
    (
        "sofiia.humeniuk@example.org",
        "Чи можуть школярі до 16 років подавати проєкти, чи тільки голосувати?",
        False,
        ["member@example.org", "viktor.rudenko@example.org", "vasyl.diachuk@example.org"],
    ),
    (
        "vasyl.diachuk@example.org",
        "Яку частку бюджету розвитку реально віддати на бюджет участі в громаді "
        "на 6 тисяч мешканців?",
        True,
        ["member2@example.org", "alla.moroz@example.org"],
    ),
    (
        "liudmyla.kostiuk@example.org",
        "Хто має перевіряти кошториси проєктів: фінвідділ чи окрема комісія?",
        False,
        ["viktor.rudenko@example.org"],
    ),
    (
        "viktor.rudenko@example.org",
        "Як не допустити, щоб перемагали лише проєкти з центру громади?",
        False,
        [],
    ),
]

PAST_QUESTIONS = [
    (
        "member2@example.org",
        "Скільки стратегічних цілей оптимально для громади нашого розміру?",
        "Три-чотири: більше комітет не втримає в моніторингу, а кожна ціль має "
        "мати свої операційні цілі й показники.",
        ["member@example.org", "liudmyla.kostiuk@example.org", "alla.moroz@example.org"],
    ),
    (
        "alla.moroz@example.org",
        "Де брати базові значення показників, якщо статистики по громаді немає?",
        "З профілю громади: дані ЦНАП, шкіл, податкової, опитування мешканців. "
        "Якщо даних немає, перший показник — зібрати їх за перший рік.",
        ["viktor.rudenko@example.org", "member2@example.org"],
    ),
    (
        "member@example.org",
        "Чи треба узгоджувати цілі з обласною стратегією?",
        "Так, покажіть зв'язок кожної цілі з цілями обласної та державної "
        "стратегій: це потрібно й для заявок на ДФРР.",
        ["vasyl.diachuk@example.org"],
    ),
]


def load_live_demo() -> None:
    """Both sessions, through the live service. Commits."""
    space = db.session.scalar(select(Space).where(Space.title == GENERAL))
    people = {u.email: u for u in db.session.scalars(select(User))}
    if space is None or db.session.scalar(
        select(LiveSession.id).where(LiveSession.space_id == space.id)
    ):
        return
    host, moderator = people["expert@example.org"], people["moderator@example.org"]
    now = service.schedule_session(
        host,
        space,
        title=NOW_TITLE,
        description="Ірина Бондар відповідає на запитання комітетів про запровадження "
        "бюджету участі: положення, етапи, голосування, перевірка проєктів.",
        scheduled_at=utcnow() - timedelta(minutes=20),
        moderated=True,
        moderator_ids=[moderator.id],
    )
    service.start_session(host, now)
    asked = []
    for email, text, anonymous, voters in NOW_QUESTIONS:
        question = service.ask(people[email], now, text, anonymous)
        service.moderate(moderator, question, "approve")
        for voter in voters:
            service.vote(people[voter], question)
        asked.append(question)
    service.answer(
        host,
        asked[1],
        "Так, якщо положення громади це дозволяє: радимо з 14 років, з підписом батьків на заявці.",
    )
    service.highlight(host, now, asked[0])
    service.ask(
        people["alla.moroz@example.org"],
        now,
        "Чи можна подати один проєкт від двох старостинських округів разом?",
    )  # waits for the moderator

    past_host = people["taras.hnatiuk@example.org"]
    past = service.schedule_session(
        past_host,
        space,
        title=PAST_TITLE,
        description="Тарас Гнатюк про стратегічні й операційні цілі та їхні показники.",
        scheduled_at=utcnow() - timedelta(days=9),
    )
    service.start_session(past_host, past)
    for email, text, answer, voters in PAST_QUESTIONS:
        question = service.ask(people[email], past, text)
        for voter in voters:
            service.vote(people[voter], question)
        service.answer(past_host, question, answer)
    service.end_session(past_host, past)
    started = utcnow() - timedelta(days=9)
    past.started_at, past.ended_at = started, started + timedelta(hours=1)
    for question in db.session.scalars(
        select(LiveQuestion).where(LiveQuestion.session_id == past.id)
    ):
        question.created_at = started + timedelta(minutes=10 + question.id % 40)
    db.session.commit()
