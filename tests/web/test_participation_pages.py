"""The participation report's page and CSV: what a facilitator opens and downloads."""

import csv
import io

from cop.accounts.models import Role
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from cop.orgs.models import CommitteeMembership, Community
from tests.conftest import QueryCounter


def start(client, space_id, title="Тема"):
    response = client.post(
        f"/spaces/{space_id}/discussions/new", data={"title": title, "body": "Текст"}
    )
    assert response.status_code == 302, response.data
    return int(response.headers["Location"].rsplit("/", 1)[-1].split("?")[0].split("#")[0])


def add_posts(app, space_id, authors) -> None:
    """A discussion by the first author, each of the others replying."""
    with app.app_context():
        discussion = Discussion(space_id=space_id, title="Звіт", author_id=authors[0].id)
        db.session.add(discussion)
        db.session.flush()
        first = Post(discussion=discussion, author_id=authors[0].id, body="a", body_html="a")
        db.session.add(first)
        db.session.flush()
        for author in authors[1:]:
            db.session.add(
                Post(
                    discussion=discussion,
                    parent_id=first.id,
                    author_id=author.id,
                    body="b",
                    body_html="b",
                )
            )
        db.session.commit()


def test_the_page_shows_people_a_chart_and_a_csv_link(app, world, login_as):
    forum = world.spaces["forum_signed"]
    add_posts(app, forum, [world.users["member"], world.users["outsider"]])
    page = login_as(world.users["moderator"]).get(f"/spaces/{forum}/participation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "outsider" in html and "member" in html
    assert f"/spaces/{forum}/participation.csv" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]


def test_space_page_links_the_report_for_moderators_only(world, login_as):
    forum = world.spaces["forum_signed"]
    link = f"/spaces/{forum}/participation"
    assert link in login_as(world.users["space_moderator"]).get(f"/spaces/{forum}").text
    member = login_as(world.users["member"])
    assert link not in member.get(f"/spaces/{forum}").text
    assert member.get(link).status_code == 403
    assert member.get(link + ".csv").status_code == 403
    assert (
        login_as(world.users["outsider"])
        .get(f"/spaces/{world.spaces['forum_members']}/participation")
        .status_code
        == 404
    )


def test_csv_opens_in_excel_and_never_runs_a_formula(app, world, make_user, login_as):
    forum = world.spaces["forum_signed"]
    sly = make_user(Role.MEMBER, display_name='=HYPERLINK("http://evil","Клік")')
    minus = make_user(Role.MEMBER, display_name="-2+3")
    add_posts(app, forum, [world.users["member"], sly, minus, sly])
    moderator = login_as(world.users["moderator"])
    response = moderator.get(f"/spaces/{forum}/participation.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][0] == "Користувач"
    by_name = {row[0]: row[1:4] for row in rows[1:-1]}
    assert by_name['\'=HYPERLINK("http://evil","Клік")'] == ["0", "2", "2"]
    assert by_name["'-2+3"] == ["0", "1", "1"]
    assert by_name["member"] == ["1", "0", "1"]
    assert rows[-1][:4] == ["Усього", "1", "3", "4"]
    moderator.post("/locale/en", data={"next": "/"})
    english = moderator.get(f"/spaces/{forum}/participation.csv")
    assert english.get_data(as_text=True).splitlines()[0] == (
        "\ufeffPerson,Discussions started,Replies,Posts,Last post"
    )


def test_group_filter_on_the_page(app, world, login_as):
    forum = world.spaces["forum_signed"]
    add_posts(app, forum, [world.users["member"], world.users["outsider"]])
    with app.app_context():
        a = db.session.query(Community).filter_by(name="Громада А").one().id
    page = login_as(world.users["moderator"]).get(f"/spaces/{forum}/participation?group={a}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "trainee" in html and "outsider" not in html
    bad = login_as(world.users["moderator"]).get(f"/spaces/{forum}/participation?first=x")
    assert bad.status_code == 422


def test_the_report_costs_the_same_queries_for_many_people(app, world, make_user, login_as):
    forum = world.spaces["forum_signed"]
    client = login_as(world.users["moderator"])
    with app.app_context():
        community = db.session.query(Community).filter_by(name="Громада А").one().id

    def counted(n: int) -> list[int]:
        people = [make_user(Role.MEMBER, display_name=f"Людина {n}-{i}") for i in range(n)]
        with app.app_context():
            db.session.add_all(
                CommitteeMembership(user_id=p.id, community_id=community) for p in people
            )
            db.session.commit()
        add_posts(app, forum, people)
        client.get(f"/spaces/{forum}/participation")  # the session's and policy's caches
        counts = []
        for path in ("", f"?group={community}", ".csv"):
            with QueryCounter(db.engine) as queries:
                assert client.get(f"/spaces/{forum}/participation{path}").status_code == 200
            counts.append(len(queries))
        return counts

    with app.app_context():
        small = counted(2)
        large = counted(12)
    assert large == small


def test_the_forms_empty_fields_mean_no_filter(app, world, login_as):
    forum = world.spaces["forum_signed"]
    add_posts(app, forum, [world.users["member"], world.users["outsider"]])
    page = login_as(world.users["moderator"]).get(
        f"/spaces/{forum}/participation?group=&first=&last="
    )
    assert page.status_code == 200 and "outsider" in page.text
