"""Demo consultations, written for this project: each of the three demo communities asks
its expert group about preparing its strategy, and has consultations in every state of
the life cycle, with internal notes, ratings and one answer published to the knowledge
base. Everything is written through the consultation and discussion services, as people
would; only the times are set afterwards, spread over the last five months, so the
figures page has months to show. Loaded by `cop demo` after the forum demo."""

import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from cop.accounts.models import User
from cop.consultations import publishing, service
from cop.consultations.models import Consultation, ConsultationEvent, EventKind, Status
from cop.db import utcnow
from cop.demo_forum import PEOPLE, _settle_notifications
from cop.discussions import service as discussions
from cop.discussions.models import Discussion, DiscussionRead, Post
from cop.extensions import db
from cop.orgs.models import Community, ThematicPlatform

COMMUNITY_NAMES = {
    "vh": "Великогаївська сільська громада",
    "nb": "Новоборівська селищна громада",
    "nu": "Новоукраїнська міська громада",
}


@dataclass(frozen=True)
class S:
    """One step, `hours` after the one before: `reply` (public), `note` (internal),
    `take` (self-assign), `move` (to a status; resolving takes a rating and a comment),
    `consent` (to "anonymised" or "full"), `publish` (anonymised if `to` says so)."""

    who: str
    do: str
    text: str = ""
    to: str | None = None
    rating: int | None = None
    hours: float = 5


@dataclass(frozen=True)
class C:
    community: str
    days: float  # asked so many days ago
    who: str
    platform: str | None
    title: str
    body: str
    steps: tuple[S, ...] = ()


def _md(text: str) -> str:
    return textwrap.dedent(text).strip()


CONSULTATIONS = [
    # --- Великі Гаї: Галина, Василь, Софія ask; Ірина, Петро, Андрій answer ------------
    C(
        "vh",
        150,
        "halyna",
        "economy-investment",
        "Як узгодити стратегічний план громади з бюджетом?",
        """
        Ми завершили проєкт стратегії, але фінвідділ каже, що половина завдань «не лягає»
        в бюджет. Як правильно пов’язати стратегічний план громади з середньостроковим
        бюджетним прогнозом і щорічним бюджетом, щоб стратегія не лишилася на папері?
        """,
        (
            S("petro", "take", hours=20),
            S(
                "petro",
                "reply",
                """
                Зв’язок робиться через **план реалізації** на 3 роки: кожне завдання
                отримує орієнтовну вартість, джерело (місцевий бюджет, ДФРР, донори) і рік.
                Далі фінвідділ переносить ці суми в бюджетний прогноз. Почніть із 5–7
                пріоритетних проєктів, а не з усіх завдань одразу.
                """,
                hours=6,
            ),
            S("halyna", "reply", "А якщо грошей на проєкт немає зовсім — викреслювати?", hours=9),
            S(
                "petro",
                "reply",
                """
                Ні: позначте його як такий, що потребує зовнішнього фінансування, і
                готуйте проєктну заявку. Стратегія — якраз аргумент для донорів.
                """,
                hours=4,
            ),
            S("halyna", "move", to="resolved", rating=5, text="Дуже чітко, дякуємо!", hours=30),
            S("halyna", "consent", to="full", hours=1),
            S("petro", "move", to="closed", hours=50),
            S("iryna", "publish", hours=24),
        ),
    ),
    C(
        "vh",
        110,
        "vasyl",
        "starostas",
        "Як залучити старостинські округи до SWOT-аналізу?",
        """
        У громаді 11 сіл, і люди з віддалених сіл на засідання комітету не доїжджають.
        Як провести SWOT-аналіз так, щоб голос кожного старостинського округу був врахований?
        """,
        (
            S("iryna", "take", hours=3),
            S(
                "iryna",
                "note",
                "Василь Дячук — староста, зорганізує зустрічі в селах.",
                hours=1,
            ),
            S(
                "iryna",
                "reply",
                """
                Проведіть виїзні сесії в 3–4 кущах сіл (по 2–3 округи разом) з однаковою
                карткою SWOT, а результати зведіть на засіданні комітету. Допоможе і
                коротке онлайн-опитування для тих, хто не прийде.
                """,
                hours=5,
            ),
            S(
                "vasyl",
                "move",
                to="resolved",
                rating=4,
                text="Спробуємо!",
                hours=40,
            ),
            S("vasyl", "consent", to="anonymised", hours=2),
        ),
    ),
    C(
        "vh",
        60,
        "sofiia",
        "youth-sport-culture",
        "Бачення громади: як врахувати думку молоді?",
        """
        Молодіжна рада хоче, щоб у баченні громади на 2030 рік була молодь, а не лише
        «розвинена інфраструктура». Як зібрати пропозиції молоді й не загубити їх?
        """,
        (
            S("andrii", "take", hours=8),
            S(
                "andrii",
                "reply",
                """
                Зробіть конкурс есе чи відео «Моя громада у 2030» у школах і опитування в
                Instagram. Ключові слова з відповідей винесіть на засідання, де формулюєте
                бачення.
                """,
                hours=10,
            ),
            S("iryna", "move", to="awaiting_committee", hours=2),
            S(
                "iryna",
                "reply",
                "Софіє, скільки учнів 9–11 класів у громаді? Від цього залежить формат.",
                hours=0.2,
            ),
        ),
    ),
    C(
        "vh",
        20,
        "halyna",
        "local-budgets",
        "Індикатори моніторингу для стратегічної цілі «Чисте довкілля»",
        """
        Для цілі «Чисте довкілля» ми записали індикатор «покращення екологічної ситуації».
        Експерт на засіданні сказав, що так не можна. Які індикатори будуть правильні?
        """,
        (
            S("petro", "take", hours=4),
            S(
                "petro",
                "reply",
                """
                Індикатор має бути вимірюваним і мати базове значення: наприклад, «частка
                домогосподарств, охоплених роздільним збором сміття: 2024 — 12 %, 2027 —
                40 %». Для кожного індикатора вкажіть джерело даних і відповідального.
                """,
                hours=7,
            ),
        ),
    ),
    C(
        "vh",
        6,
        "vasyl",
        "land-relations",
        "Чи включати до стратегії проєкт індустріального парку?",
        """
        Інвестор цікавиться ділянкою 20 га біля траси. Чи варто вже зараз включати
        індустріальний парк до операційних цілей, якщо інвестора ще не підтверджено?
        """,
        (S("iryna", "take", hours=26),),
    ),
    C(
        "vh",
        3,
        "sofiia",
        None,
        "Як часто оновлювати план реалізації стратегії?",
        """
        Ми затвердимо стратегію до 2030 року. План реалізації — на три роки. Коли і хто
        має його переглядати?
        """,
    ),
    # --- Нова Борова: Сергій, Людмила ask; Олена, Тарас, Марія answer ------------------
    C(
        "nb",
        140,
        "serhii",
        "economy-investment",
        "Як написати інвестиційний паспорт громади?",
        """
        Хочемо залучити переробне підприємство. Що має бути в інвестиційному паспорті
        і як він пов’язаний зі стратегією розвитку громади?
        """,
        (
            S("taras", "take", hours=5),
            S(
                "taras",
                "reply",
                """
                Паспорт спирається на профіль громади зі стратегії: ресурси, логістика,
                вільні ділянки з кадастровими номерами, кадри, пільги. Додайте 2–3 готові
                інвестиційні пропозиції з операційних цілей стратегії.
                """,
                hours=8,
            ),
            S("serhii", "move", to="resolved", rating=5, hours=20),
            S("serhii", "consent", to="full", hours=0.5),
            S("olena", "move", to="closed", hours=70),
        ),
    ),
    C(
        "nb",
        95,
        "liudmyla",
        "local-budgets",
        "Скільки коштує розробка стратегії і з якого бюджету платити?",
        """
        Депутати питають, скільки грошей закласти на розробку стратегії у 2025 році:
        на соціологічне опитування, фасилітаторів, друк. Які є орієнтири?
        """,
        (
            S("olena", "take", hours=2),
            S("maria", "note", "Орієнтири з пілоту DESPRO: опитування 40–60 тис. грн.", hours=3),
            S(
                "olena",
                "reply",
                """
                Найбільша стаття — опитування мешканців (вибірка 400–600 анкет). Частину
                робіт комітет робить сам з нашою підтримкою, тож фасилітатори не потрібні.
                Закладіть видатки в програму соціально-економічного розвитку.
                """,
                hours=6,
            ),
            S(
                "liudmyla",
                "move",
                to="resolved",
                rating=3,
                text="Бракує сум.",
                hours=48,
            ),
        ),
    ),
    C(
        "nb",
        45,
        "serhii",
        "admin-services",
        "SWOT-аналіз: куди віднести закриття відділення банку?",
        """
        Єдине відділення банку в селищі закривається. Це загроза чи слабка сторона?
        Ми на комітеті розійшлися в думках.
        """,
        (
            S("maria", "take", hours=6),
            S(
                "maria",
                "reply",
                """
                Те, на що громада не впливає (рішення банку), — **загроза**. Слабка сторона —
                внутрішнє: наприклад, «низька доступність фінансових послуг у ЦНАП».
                """,
                hours=4,
            ),
            S("olena", "move", to="awaiting_committee", hours=1),
            S(
                "olena",
                "reply",
                "Чи є у ЦНАП термінал? Це вплине на поради.",
                hours=0.1,
            ),
        ),
    ),
    C(
        "nb",
        14,
        "liudmyla",
        "education",
        "Оптимізація шкіл: чи писати про неї в стратегії?",
        """
        Одна з шкіл має 38 учнів. Це болюче питання, але без нього стратегія нечесна.
        Як сформулювати завдання, щоб не налякати людей?
        """,
        (S("taras", "take", hours=30),),
    ),
    C(
        "nb",
        8,
        "serhii",
        "economy-investment",
        "Як відібрати проєкти до плану реалізації, коли їх 40?",
        """
        На громадських слуханнях ми зібрали 40 проєктних ідей. У план реалізації реально
        вмістити 10–12. За якими критеріями відбирати, щоб ніхто не образився?
        """,
        (
            S("olena", "take", hours=3),
            S(
                "olena",
                "reply",
                """
                Оцініть кожну ідею за 4–5 критеріями з балами: відповідність цілям,
                кількість вигодонабувачів, вартість, готовність, джерело фінансування.
                Оприлюдніть таблицю — прозорість знімає образи.
                """,
                hours=5,
            ),
        ),
    ),
    C(
        "nb",
        1,
        "liudmyla",
        None,
        "Чи потрібна стратегічна екологічна оцінка для стратегії?",
        "Чи обов’язкова СЕО для стратегії розвитку громади і коли її починати?",
    ),
    # --- Новоукраїнка: Віктор, Алла ask; Наталія, Юрій, Оксана answer --------------------
    C(
        "nu",
        130,
        "viktor",
        "personnel",
        "Хто в міській раді має відповідати за моніторинг стратегії?",
        """
        Стратегію ухвалили, а моніторинг ніхто не веде. Кому доручити: відділу економіки
        чи окремій робочій групі?
        """,
        (
            S("natalia", "take", hours=4),
            S(
                "natalia",
                "reply",
                """
                Відповідальний — відділ економічного розвитку (розпорядженням голови), а
                комітет лишається робочою групою з моніторингу: раз на пів року звіт, раз
                на рік — громадське обговорення.
                """,
                hours=6,
            ),
            S("viktor", "move", to="resolved", rating=5, hours=26),
            S("yurii", "move", to="closed", hours=90),
        ),
    ),
    C(
        "nu",
        80,
        "alla",
        "admin-services",
        "Як включити цифрові послуги ЦНАП у стратегічні цілі?",
        """
        Хочемо, щоб у стратегії був розвиток е-послуг. Це окрема стратегічна ціль чи
        операційна в межах «Ефективне врядування»?
        """,
        (
            S("oksana", "take", hours=5),
            S(
                "oksana",
                "reply",
                "Це операційна ціль у межах врядування.",
                hours=7,
            ),
            S("alla", "move", to="resolved", rating=4, hours=20),
            S("alla", "move", to="assigned", hours=100),
            S(
                "yurii",
                "reply",
                "Після перегляду: додайте індикатор «частка послуг, отриманих онлайн».",
                hours=20,
            ),
            S("alla", "move", to="resolved", rating=5, text="Тепер повністю зрозуміло.", hours=12),
        ),
    ),
    C(
        "nu",
        35,
        "viktor",
        "health-care",
        "Профіль громади: де взяти дані про здоров’я населення?",
        """
        Для профілю громади потрібні дані про захворюваність і доступ до медицини.
        Лікарня каже, що таких даних не дає. Що робити?
        """,
        (
            S("yurii", "take", hours=2),
            S(
                "yurii",
                "reply",
                """
                Запитайте знеособлену статистику в ЦПМСД та дані НСЗУ з дашборда
                (кількість декларацій, укомплектованість). Цього достатньо для профілю.
                """,
                hours=5,
            ),
            S("natalia", "move", to="awaiting_committee", hours=1),
        ),
    ),
    C(
        "nu",
        12,
        "alla",
        "gender-equality",
        "Гендерний аналіз у стратегії: з чого почати?",
        """
        Донор вимагає гендерно чутливу стратегію. Що саме маємо додати до профілю
        і цілей?
        """,
        (
            S("oksana", "take", hours=5),
            S(
                "natalia",
                "reply",
                """
                Розділіть статистику профілю за статтю і віком, а в індикаторах вкажіть
                вигодонабувачів за статтю. Проведіть одну фокус-групу з жінками-підприємицями.
                """,
                hours=8,
            ),
        ),
    ),
    C(
        "nu",
        5,
        "viktor",
        "law-and-order",
        "Чи включати безпекові проєкти до стратегії розвитку?",
        """
        Після обстрілів люди просять укриття й освітлення вулиць. Чи це стратегія
        розвитку, чи окрема програма?
        """,
        (S("natalia", "take", hours=30),),
    ),
    C(
        "nu",
        2,
        "alla",
        None,
        "Як рахувати базові значення індикаторів, якщо статистики немає?",
        "Для половини індикаторів у нас немає даних за минулі роки. Що писати в базовому значенні?",
    ),
]


def load_consultation_demo() -> None:
    """The consultations above, through the services; then their times. Commits."""
    people = {
        name: db.session.scalar(select(User).where(User.email == email))
        for name, email in PEOPLE.items()
    }
    communities = {
        key: db.session.scalar(select(Community).where(Community.name == name))
        for key, name in COMMUNITY_NAMES.items()
    }
    platforms = {p.slug: p.id for p in db.session.scalars(select(ThematicPlatform))}
    if db.session.scalar(select(Consultation.id).limit(1)) is not None:
        return
    read_until: dict[tuple[int, int], datetime] = {}
    for item in sorted(CONSULTATIONS, key=lambda c: -c.days):
        _write(item, people, communities, platforms, read_until)
    _settle_notifications({d for _, d in read_until}, read_until)
    db.session.commit()


def _write(item: C, people, communities, platforms, read_until) -> None:
    consultation = service.open_consultation(
        people[item.who],
        title=item.title,
        body=_md(item.body),
        community_id=communities[item.community].id,
        platform_id=platforms.get(item.platform),
    )
    moment = _start(item.days)
    seen: set = set()
    _date(consultation, moment, seen, read_until)
    consultation.created_at = consultation.discussion.created_at = moment
    for step in item.steps:
        moment += timedelta(hours=step.hours)
        answered_before = consultation.first_response_at is not None
        _do(step, consultation, people)
        _date(consultation, moment, seen, read_until)
        if consultation.first_response_at is not None and not answered_before:
            consultation.first_response_at = moment
        if step.do == "move" and step.to == Status.RESOLVED:
            consultation.resolved_at = moment
        if step.do == "move" and step.to == Status.CLOSED:
            consultation.closed_at = moment
    public = [p for p in _posts(consultation) if not p.internal]
    consultation.discussion.last_post_at = public[-1].created_at
    db.session.commit()


def _start(days: float) -> datetime:
    start = utcnow() - timedelta(days=days)
    return start.replace(hour=7 + int(days * 7) % 8, minute=int(days * 13) % 60)


def _do(step: S, consultation: Consultation, people) -> None:
    actor = people[step.who]
    if step.do in ("reply", "note"):
        discussions.reply(
            actor, consultation.discussion, body=_md(step.text), internal=step.do == "note"
        )
    elif step.do == "take":
        service.change_assignees(actor, consultation, add=[actor.id])
    elif step.do == "move":
        service.transition(
            actor, consultation, step.to, rating=step.rating, comment=step.text or None
        )
    elif step.do == "consent":
        service.update_consultation(actor, consultation, publish_consent=step.to)
    elif step.do == "publish":
        publishing.publish(actor, consultation, anonymise=step.to == "anonymised")
    else:
        raise ValueError(step.do)


def _posts(consultation: Consultation) -> list[Post]:
    return list(
        db.session.scalars(
            select(Post).where(Post.discussion_id == consultation.discussion_id).order_by(Post.id)
        )
    )


def _date(consultation: Consultation, moment: datetime, seen: set, read_until) -> None:
    """The posts, events, read marks and published copy a step wrote take its moment."""
    events = db.session.scalars(
        select(ConsultationEvent).where(ConsultationEvent.consultation_id == consultation.id)
    )
    for row in [*_posts(consultation), *events]:
        if (type(row), row.id) in seen:
            continue
        seen.add((type(row), row.id))
        row.created_at = moment
        if isinstance(row, Post):
            read_until[row.author_id, row.discussion_id] = moment
            for read in db.session.scalars(
                select(DiscussionRead).where(
                    DiscussionRead.discussion_id == row.discussion_id,
                    DiscussionRead.user_id == row.author_id,
                )
            ):
                read.read_until = moment
        if isinstance(row, ConsultationEvent) and row.kind == EventKind.PUBLISHED:
            copy = db.session.get(Discussion, row.detail["discussion_id"])
            copy.created_at = moment
