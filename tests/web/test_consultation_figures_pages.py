"""The figures page and its CSV: what experts and staff see, in Ukrainian and English;
committees and trainees are refused, an expert counts only their group's desks, and the
page costs the same number of queries however many months and communities it shows."""

import csv
import io
import re

import pytest

from cop.extensions import db
from tests.conftest import QueryCounter
from tests.figures_data import add_communities, build_figures_world

Q1 = "/consultations/figures?first=2026-01&last=2026-03"


@pytest.fixture
def people(app, world, login_as):
    with app.app_context():
        build_figures_world(world)
    return {name: login_as(user) for name, user in world.users.items()}


def page(client, url=Q1) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_staff_see_the_months_in_a_table_and_a_chart(people):
    html = page(people["moderator"])
    text = squash(html)
    assert "Показники консультацій" in html
    assert "січень 2026" in text and "лютий 2026" in text and "березень 2026" in text
    # Whole period: 6 opened, 4 resolved, medians of 10 hours and 3 working days, 3,5.
    assert re.search(r"6 відкрито 4 вирішено 10 год .* 3,0 дн\. .* 3,5 .* \(оцінок: 4\)", text)
    assert "січень 2026 3 3 3 4 год 2,0 дн. 3,7 (3)" in text
    assert "лютий 2026 2 1 1 1,0 дн. 16,0 дн. 3,0 (1)" in text
    assert "березень 2026 1 0 0 — — —" in text
    assert "<svg" in html and "bar-opened" in html and "style=" not in html
    assert 'class="bar-resolved"' in html and "<title" in html


def test_breakdown_rows_name_the_groups(people):
    html = page(people["admin"], Q1 + "&by=community")
    text = squash(html)
    assert "Громада А" in text and "Громада Б" in text and "Громада В" in text
    by_oblast = squash(page(people["admin"], Q1 + "&by=oblast"))
    assert "Житомирська" in by_oblast and "Тернопільська" in by_oblast
    by_platform = squash(page(people["admin"], Q1 + "&by=platform"))
    assert "Без платформи" in by_platform


def test_the_page_in_english(people):
    client = people["moderator"]
    client.post("/locale/en", data={"next": "/"})
    text = squash(page(client, Q1 + "&by=community"))
    assert "Consultation figures" in text and "January 2026" in text
    assert "6 opened 4 resolved 10 h" in text and "January 2026 Total 3 3 3 4 h 2.0 d" in text
    assert "working time: Monday to Friday, Kyiv time" in text
    assert "Download CSV" in text


def test_the_csv_opens_in_excel_with_cyrillic(people):
    response = people["moderator"].get(
        "/consultations/figures.csv?first=2026-01&last=2026-03&by=community"
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "consultations-2026-01-2026-03-community.csv" in response.headers["Content-Disposition"]
    table = rows(response)
    assert table[0][:3] == ["Місяць", "Громада", "Відкрито"]
    assert ["2026-01", "Громада Б", "1", "1", "1", "0,08", "1,00", "2,00", "1"] in table
    assert ["2026-01", "Усього", "3", "3", "3", "0,17", "2,00", "3,67", "3"] in table
    assert table[-1] == ["2026-01–2026-03", "Усього", "6", "4", "4", "0,42", "3,00", "3,50", "4"]
    months = [r[0] for r in table[1:]]
    assert months.index("2026-01") < months.index("2026-02") < months.index("2026-03")


def test_the_csv_in_english_uses_commas_and_points(people):
    client = people["moderator"]
    client.post("/locale/en", data={"next": "/"})
    table = rows(client.get("/consultations/figures.csv?first=2026-01&last=2026-03"))
    assert table[0][:2] == ["Month", "Opened"]
    assert table[1] == ["2026-01", "3", "3", "3", "0.17", "2.00", "3.67", "3"]
    assert table[-1][0] == "2026-01–2026-03" and len(table) == 5


def test_an_expert_counts_only_the_desks_of_their_group(people):
    mine = squash(page(people["expert"], Q1 + "&by=community"))
    assert "Громада А" in mine and "Громада В" in mine
    assert not re.search(r"Громада Б\b", mine)
    assert re.search(r"5 відкрито 3 вирішено", mine)
    other = people["other_expert"]
    theirs = squash(page(other, Q1 + "&by=community"))
    assert "Громада Б" in theirs
    assert not re.search(r"Громада [АВ]\b", theirs)
    assert re.search(r"1 відкрито 1 вирішено", theirs)
    table = rows(other.get("/consultations/figures.csv?first=2026-01&last=2026-03&by=oblast"))
    assert {r[1] for r in table[1:]} == {"Житомирська", "Усього"}


@pytest.mark.parametrize("name", ["member", "outsider", "trainee", "space_moderator"])
def test_committees_and_trainees_are_refused(people, name):
    client = people[name]
    for url in (Q1, "/consultations/figures.csv?first=2026-01&last=2026-03"):
        response = client.get(url)
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "Громада" not in text and "для експертів і модераторів" in text
    assert "/consultations/figures" not in page(client, "/consultations")


def test_guests_are_sent_to_sign_in(client, people):
    response = client.get(Q1)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_desk_links_to_the_figures_for_those_who_may_see_them(people):
    assert "/consultations/figures" in page(people["expert"], "/consultations")
    assert "/consultations/figures" in page(people["moderator"], "/consultations")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("first=2026-13", "Вкажіть місяць у форматі РРРР-ММ"),
        ("first=2026-03&last=2026-01", "Останній місяць раніше за перший."),
        ("first=2020-01&last=2026-01", "Не більше ніж 60 місяців за раз."),
        ("by=village", "Такої розбивки немає."),
    ],
)
def test_a_bad_period_or_breakdown_is_a_clear_422(people, query, message):
    for path in ("/consultations/figures", "/consultations/figures.csv"):
        response = people["moderator"].get(f"{path}?{query}")
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_the_default_is_the_last_six_months(people):
    text = squash(page(people["moderator"], "/consultations/figures"))
    assert "Увесь період" in text and "Останні 3 місяці" in text


def test_the_query_count_does_not_grow_with_months_or_communities(app, world, people):
    client = people["moderator"]
    with app.app_context():
        engine = db.engine

    def cost(url):
        with QueryCounter(engine) as counter:
            assert client.get(url).status_code == 200
        return len(counter)

    one = cost("/consultations/figures?first=2026-01&last=2026-01&by=community")
    with app.app_context():
        add_communities(world, 4)
    many = cost("/consultations/figures?first=2025-01&last=2026-12&by=community")
    assert one == many
    assert cost("/consultations/figures.csv?first=2025-01&last=2026-12&by=platform") <= many
    assert cost("/api/v1/consultations/figures?first=2025-01&last=2026-12&by=oblast") <= many


def test_a_period_without_consultations_says_so_instead_of_an_empty_chart(people):
    html = page(people["expert"], "/consultations/figures?first=2027-01&last=2027-02")
    assert "За цей період консультацій не відкривали й не вирішували." in html
    assert '<figure class="chart">' not in html and "bar-opened" not in html
