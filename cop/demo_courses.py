"""The demo course "Стратегічне планування розвитку громади": six published modules, each
with a resource and a few discussion posts, and partial progress for the committees.
Written through the services, as experts and members would."""

from cop.courses import service as courses
from cop.courses.models import Completion
from cop.discussions import service as discussions
from cop.discussions.models import ForumType

# title, body, minutes, completion, forum type, resource (title, url), discussion
MODULES = [
    (
        "Підготовка і комітет",
        "Стратегію громади пишуть не консультанти, а **комітет зі стратегічного "
        "планування**: 12–20 людей, які представляють раду, виконавчі органи, бізнес, "
        "освіту, молодь і старостинські округи.\n\n"
        "1. Ухваліть розпорядження голови про створення комітету.\n"
        "2. Затвердьте регламент і графік засідань.\n"
        "3. Домовтеся, хто веде протоколи і як громада дізнаватиметься про роботу.",
        40,
        Completion.VIEW,
        ForumType.STANDARD,
        ("Методичні рекомендації щодо стратегій розвитку громад", "https://decentralization.ua/"),
        ("Кого ще запросити до комітету?", "У нас немає представників бізнесу. Як їх залучити?"),
    ),
    (
        "Профіль громади і SWOT-аналіз",
        "Профіль громади — це факти: населення, економіка, бюджет, послуги, "
        "інфраструктура. На його основі комітет проводить **SWOT-аналіз**: сильні і "
        "слабкі сторони (всередині громади), можливості і загрози (ззовні).\n\n"
        "Вправа: кожна робоча група заповнює матрицю SWOT і приносить її на засідання.",
        90,
        Completion.MANUAL,
        ForumType.QANDA,
        ("Шаблон матриці SWOT", "https://decentralization.ua/news"),
        ("Вправа: наша матриця SWOT", "Викладіть три сильні сторони вашої громади."),
    ),
    (
        "Бачення і стратегічні цілі",
        "Бачення описує громаду через 7–10 років так, щоб мешканці впізнали в ньому "
        "своє майбутнє. Стратегічні цілі (3–4) випливають з порівняльних переваг і "
        "викликів, визначених у SWOT-аналізі.",
        60,
        Completion.MANUAL,
        ForumType.STANDARD,
        ("Приклади бачень громад", "https://decentralization.ua/strategies"),
        ("Як коротко сформулювати бачення?", "У нас вийшло пів сторінки. Це не забагато?"),
    ),
    (
        "Операційні цілі і проєкти",
        "Кожна стратегічна ціль розкладається на операційні цілі, а ті — на завдання "
        "і технічні завдання на проєкти. Проєкт має мету, результати, виконавця, "
        "кошторис і джерела фінансування.",
        90,
        Completion.MANUAL,
        ForumType.STANDARD,
        ("Форма технічного завдання на проєкт", "https://decentralization.ua/projects"),
        ("Скільки проєктів на одну ціль?", "Скільки проєктів реально потягне наша громада?"),
    ),
    (
        "План реалізації",
        "План реалізації на 3 роки пов'язує проєкти з бюджетом громади, державними "
        "програмами і донорами. У ньому — строки, відповідальні й індикатори.",
        60,
        Completion.MANUAL,
        ForumType.STANDARD,
        ("Приклад плану реалізації стратегії", "https://decentralization.ua/plans"),
        ("Як узгодити план з бюджетом?", "Фінвідділ каже, що на все грошей не вистачить."),
    ),
    (
        "Моніторинг та оцінювання",
        "Моніторинг показує, чи виконуються проєкти, оцінювання — чи наближається "
        "громада до цілей. Комітет раз на рік звітує раді й мешканцям і за потреби "
        "оновлює план реалізації.",
        45,
        Completion.MANUAL,
        ForumType.STANDARD,
        ("Індикатори для моніторингу стратегії", "https://decentralization.ua/monitoring"),
        ("Хто збирає дані для моніторингу?", "Чи може це робити відділ економіки?"),
    ),
]

REPLIES = [
    "Дякую! Обговоримо на найближчому засіданні комітету.",
    "Радимо почати з малого й домовитися про відповідальних.",
]


def load_course_demo(course, users) -> None:
    """Six published modules written by the expert (one drafted by the trainee), with
    posts in their forums; the committees completed the first modules."""
    expert, trainee = users["expert@example.org"], users["trainee@example.org"]
    members = [users["member@example.org"], users["vasyl.diachuk@example.org"]]
    others = [users["member2@example.org"], users["alla.moroz@example.org"]]
    modules = []
    for i, (title, body, minutes, completion, forum_type, link, talk) in enumerate(MODULES):
        author = trainee if i == 4 else expert
        module = courses.create_module(
            author,
            course,
            title=title,
            body=body,
            completion=completion,
            minutes=minutes,
            forum_type=forum_type,
        )
        courses.add_link(author, module, title=link[0], url=link[1])
        courses.publish_module(expert, module)
        discussion = discussions.start_discussion(
            members[i % 2], module.forum, title=talk[0], body=talk[1]
        )
        discussions.reply(expert, discussion, body=REPLIES[0 if i % 2 else 1])
        modules.append(module)
    # Partial progress: Великі Гаї are at module 3, Нова Борова and Новоукраїнка behind.
    for person, done in ((members[0], 3), (members[1], 2), (others[0], 1), (others[1], 1)):
        for module in modules[:done]:
            if module.completion == Completion.VIEW:
                courses.record_view(person, module)
            else:
                courses.complete_module(person, module)
