"""A person's access facts are kept between requests (cop/policy.py, under
cop/access_counter.py's counter): a change of memberships, made through a service or
written by another process, shows on that person's very next page."""

from sqlalchemy import delete

from cop.accounts.models import Role, User
from cop.extensions import db
from cop.orgs.models import CommitteeMembership
from cop.spaces.models import SpaceMembership


def test_membership_removed_by_another_process_closes_the_space_at_once(app, world, login_as):
    member = login_as(world.users["member"])
    forum = world.spaces["forum_members"]
    assert member.get(f"/spaces/{forum}").status_code == 200
    assert member.get(f"/spaces/{forum}").status_code == 200  # from the kept facts
    with app.app_context():  # as another server process would: no call into the policy
        db.session.execute(delete(SpaceMembership).where(SpaceMembership.space_id == forum))
        db.session.commit()
    assert member.get(f"/spaces/{forum}").status_code == 404
    assert "Форум для своїх" not in member.get("/spaces").get_data(as_text=True)


def test_membership_added_by_another_process_opens_the_space_at_once(app, world, login_as):
    outsider = login_as(world.users["outsider"])
    forum = world.spaces["forum_members"]
    assert outsider.get(f"/spaces/{forum}").status_code == 404
    with app.app_context():
        db.session.add(SpaceMembership(space_id=forum, user_id=world.users["outsider"].id))
        db.session.commit()
    assert outsider.get(f"/spaces/{forum}").status_code == 200
    assert "Форум для своїх" in outsider.get("/spaces").get_data(as_text=True)


def test_leaving_a_committee_closes_its_desk_on_the_next_page(app, world, login_as):
    member = login_as(world.users["member"])
    desk = world.spaces["desk"]
    assert member.get(f"/spaces/{desk}").status_code == 302  # opens on its desk
    with app.app_context():
        db.session.execute(
            delete(CommitteeMembership).where(
                CommitteeMembership.user_id == world.users["member"].id
            )
        )
        db.session.commit()
    assert member.get(f"/spaces/{desk}").status_code == 404


def test_a_role_change_shows_on_the_next_page(app, world, login_as, make_user):
    person = make_user(Role.MEMBER)
    client = login_as(person)
    room = world.spaces["expert_room"]
    assert client.get(f"/spaces/{room}").status_code == 404
    with app.app_context():
        db.session.get(User, person.id).role = Role.MODERATOR
        db.session.commit()
    assert client.get(f"/spaces/{room}").status_code == 200
