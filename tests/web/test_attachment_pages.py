import re
from pathlib import Path

from sqlalchemy import func, select

from cop.attachments.models import Attachment
from cop.discussions.models import Discussion, Post
from cop.extensions import db
from tests import files
from tests.conftest import QueryCounter
from tests.files import download, upload


def _start(client, space_id, parts=(), key="k1", title="Профіль громади", body="Дивіться додатки."):
    return client.post(
        f"/spaces/{space_id}/discussions/new",
        data={
            "title": title,
            "body": body,
            "idempotency_key": key,
            "file": [upload(data, name) for data, name in parts],
        },
        content_type="multipart/form-data",
    )


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _stored(app) -> list[Path]:
    root = Path(app.instance_path) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_start_with_files_shows_images_inline_and_lists_the_rest(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    form = member.get(f"/spaces/{forum}/discussions/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input[^>]*accept="\.png,[^"]*"[^>]*multiple[^>]*name="file"', form)
    assert "Файлів — до 5, кожен не більше 5 МБ" in form  # the forum's limits, in Ukrainian
    started = _start(member, forum, [(files.png(), "схема.png"), (files.CSV, "Бюджет 2024.csv")])
    assert started.status_code == 302
    page = login_as(world.users["outsider"]).get(started.headers["Location"]).get_data(as_text=True)
    image = re.search(r'<img src="(/attachments/\d+/[^"]+)" alt="схема.png" loading="lazy">', page)
    assert image
    link = re.search(r'<a href="(/attachments/\d+/[^"]+)">Бюджет 2024.csv</a>', page)
    assert link and "1 КБ" in page[link.end() : link.end() + 80]
    assert download(member, image.group(1)).data == files.png()
    assert download(member, link.group(1)).data == files.CSV


def test_a_refused_file_leaves_no_discussion_and_says_which_and_why(app, world, login_as):
    member = login_as(world.users["member"])
    response = _start(
        member, world.spaces["forum_signed"], [(files.PDF, "план.pdf"), (files.HTML, "фото.png")]
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(r'<span class="error" id="file-error">([^<]*)</span>', page).group(1)
    assert "«фото.png»" in error and "план.pdf" not in error
    assert 'value="Профіль громади"' in page  # what was typed stays
    assert _count(app, Discussion) == _count(app, Post) == _count(app, Attachment) == 0
    assert _stored(app) == []


def test_a_double_submitted_form_attaches_its_files_once(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    first = _start(member, forum, [(files.PDF, "план.pdf")], key="twice")
    second = _start(member, forum, [(files.PDF, "план.pdf")], key="twice")
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, Attachment) == 1 and len(_stored(app)) == 1


def test_reply_with_a_file_and_edit_the_files(app, world, login_as):
    member, expert = login_as(world.users["member"]), login_as(world.users["expert"])
    url = _start(member, world.spaces["forum_signed"]).headers["Location"]
    page = expert.get(url).get_data(as_text=True)
    assert page.count('name="file"') == 1  # the reply box takes files too
    first_id = re.search(r'id="post-(\d+)"', page).group(1)
    replied = expert.post(
        f"/posts/{first_id}/reply",
        data={
            "body": "Шаблон додаю.",
            "idempotency_key": "r",
            "file": [upload(files.docx(), "Шаблон.docx")],
        },
        content_type="multipart/form-data",
    )
    assert replied.status_code == 302
    reply_id = re.search(r"/posts/(\d+)", replied.headers["Location"]).group(1)
    assert "Шаблон.docx" in member.get(url).get_data(as_text=True)
    edit_page = expert.get(f"/posts/{reply_id}/edit").get_data(as_text=True)
    attachment_id = re.search(r'name="remove"[^>]*value="(\d+)"', edit_page).group(1)
    edited = expert.post(
        f"/posts/{reply_id}/edit",
        data={
            "body": "Шаблон оновила.",
            "remove": [attachment_id],
            "file": [upload(files.odt(), "Шаблон.odt")],
        },
        content_type="multipart/form-data",
    )
    assert edited.status_code == 302
    page = member.get(url).get_data(as_text=True)
    assert "Шаблон.odt" in page and "Шаблон.docx" not in page
    assert len(_stored(app)) == 1  # the removed file's bytes are gone
    # Others may not edit, so they may not add or remove files either.
    assert member.post(f"/posts/{reply_id}/edit", data={"body": "x"}).status_code == 403


def test_forum_settings_set_the_limits(app, world, login_as):
    moderator, member = login_as(world.users["moderator"]), login_as(world.users["member"])
    forum = world.spaces["forum_signed"]
    settings = moderator.get(f"/spaces/{forum}/forum").get_data(as_text=True)
    assert 'name="max_attachments"' in settings and 'value="5"' in settings
    assert re.search(r'name="max_attachment_mb"[^>]*value="5(\.0+)?"', settings)
    base = {"forum_type": "standard", "subscription_mode": "optional", "group_mode": "none"}
    too_big = moderator.post(
        f"/spaces/{forum}/forum", data={**base, "max_attachments": "3", "max_attachment_mb": "500"}
    )
    assert too_big.status_code == 200
    assert re.search(
        r'id="max_attachment_mb-error">Від 10 КБ до 20 МБ', too_big.get_data(as_text=True)
    )
    for odd in ("Infinity", "NaN", "-1", "багато"):
        refused = moderator.post(
            f"/spaces/{forum}/forum",
            data={**base, "max_attachments": "3", "max_attachment_mb": odd},
        )
        assert refused.status_code == 200 and 'id="max_attachment_mb-error"' in refused.get_data(
            as_text=True
        )
    saved = moderator.post(
        f"/spaces/{forum}/forum", data={**base, "max_attachments": "0", "max_attachment_mb": "1.5"}
    )
    assert saved.status_code == 302
    api = moderator.get(f"/api/v1/spaces/{forum}/forum").get_json()
    assert api["max_attachments"] == 0 and api["max_attachment_bytes"] == 1572864
    assert 'name="file"' not in member.get(f"/spaces/{forum}/discussions/new").get_data(
        as_text=True
    )
    refused = _start(member, forum, [(files.PDF, "план.pdf")])
    assert "Цей форум не приймає вкладень." in refused.get_data(as_text=True)
    assert _count(app, Discussion) == 0


def test_a_too_large_form_gets_a_clear_page(app, world, login_as):
    member = login_as(world.users["member"])
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    response = _start(member, world.spaces["forum_signed"], [(b"x" * 200 * 1024, "big.txt")])
    assert response.status_code == 413
    assert "не більше 100 КБ за раз" in response.get_data(as_text=True)
    assert _count(app, Discussion) == 0


def test_expert_room_files_are_404_for_outsiders(world, login_as):
    expert = login_as(world.users["expert"])
    url = _start(expert, world.spaces["expert_room"], [(files.png(), "карта.png")]).headers[
        "Location"
    ]
    file_url = re.search(r'<img src="([^"]+)"', expert.get(url).get_data(as_text=True)).group(1)
    for person in ("member", "outsider", "other_expert"):
        assert download(login_as(world.users[person]), file_url).status_code == 404
    assert download(login_as(world.users["trainee"]), file_url).status_code == 200


def test_the_discussion_page_loads_every_posts_files_in_one_query(app, world, h, client):
    from cop.accounts.models import User
    from cop.attachments.storage import path_for
    from cop.discussions import service
    from cop.spaces.models import Space

    def grow(n):
        with app.app_context():
            space = db.session.get(Space, world.spaces["forum_signed"])
            member = db.session.get(User, world.users["member"].id)
            expert = db.session.get(User, world.users["expert"].id)
            d = service.start_discussion(member, space, title=f"Тема {n}", body="Текст")
            for i in range(n):
                post = service.reply(expert, d, body=f"Відповідь {i}")
                db.session.add(
                    Attachment(
                        post_id=post.id,
                        sha256="0" * 64,
                        filename=f"табл {i}.csv" if i % 2 else f"фото {i}.png",
                        content_type="text/csv" if i % 2 else "image/png",
                        size=2048,
                    )
                )
            db.session.commit()
            path_for("0" * 64).parent.mkdir(parents=True, exist_ok=True)
            return d.id, db.engine

    def count(discussion_id, engine):
        url = f"/discussions/{discussion_id}"
        page = client.get(url, headers=h["member"]).get_data(as_text=True)
        assert page.count("/attachments/") > 9
        with QueryCounter(engine) as queries:
            assert client.get(url, headers=h["member"]).status_code == 200
        return len(queries)

    small, engine = grow(10)
    big, _engine = grow(50)
    assert count(small, engine) == count(big, engine)
