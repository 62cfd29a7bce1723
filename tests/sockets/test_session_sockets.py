"""A sign-in's sockets end with it: a password change closes those of every other sign-in,
signing a device out closes that device's; API tokens and the other devices stay."""

from sqlalchemy import select

from cop.accounts.models import LoginSession
from cop.extensions import db, socketio
from tests.conftest import PASSWORD, bearer
from tests.sockets.conftest import NS, events, join


def _socket(app, http):
    return socketio.test_client(app, namespace=NS, flask_test_client=http)


def _change_password(http) -> None:
    response = http.post(
        "/profile",
        data={
            "form": "password",
            "password-current_password": PASSWORD,
            "password-new_password": "новий пароль",
            "password-confirm": "новий пароль",
        },
    )
    assert response.status_code == 302


def test_a_password_change_closes_the_other_sign_ins_sockets(app, world, login_as, live):
    member = world.users["member"]
    here, elsewhere = login_as(member), login_as(member)
    stolen = _socket(app, elsewhere)
    raw = bearer(app, member)["Authorization"].split()[1]
    script = socketio.test_client(app, namespace=NS, auth={"token": raw})
    host = _socket(app, login_as(world.users["expert"]))
    for client in (stolen, script, host):
        join(client, live)
        client.get_received(NS)

    _change_password(here)

    assert not stolen.is_connected(NS)
    assert script.is_connected(NS)  # API tokens are not sign-ins
    assert not _socket(app, elsewhere).is_connected(NS)  # nor does its cookie connect again
    # what is asked afterwards does not reach the closed socket
    host.emit("ask", {"session_id": live, "text": "Після зміни пароля?"}, namespace=NS)
    assert [q["text"] for q in events(script, "question")] == ["Після зміни пароля?"]
    assert not [p for p in stolen.queue if p["name"] == "question"]
    here_socket = _socket(app, here)
    assert here_socket.is_connected(NS)  # this sign-in goes on
    for client in (script, host, here_socket):
        client.disconnect(NS)


def test_the_closed_socket_is_told_why(app, world, login_as):
    member = world.users["member"]
    here, elsewhere = login_as(member), login_as(member)
    other = _socket(app, elsewhere)
    other.get_received(NS)
    _change_password(here)
    assert not other.is_connected(NS)
    told = [p["args"][0] for p in other.queue if p["namespace"] == NS and p["name"] == "error"]
    assert told == [{"code": "signed_out", "message": "Ваш пароль змінено."}]


def test_signing_a_device_out_closes_its_sockets_only(app, world, login_as, live):
    member = world.users["member"]
    laptop, phone = login_as(member), login_as(member)
    laptop_socket, phone_socket = _socket(app, laptop), _socket(app, phone)
    with app.app_context():
        phone_login = max(
            db.session.scalars(select(LoginSession.id).where(LoginSession.user_id == member.id))
        )
    assert laptop.post(f"/profile/devices/{phone_login}/sign-out").status_code == 302
    assert not phone_socket.is_connected(NS)
    assert laptop_socket.is_connected(NS)
    laptop.post("/logout")  # signing out closes this device's sockets
    assert not laptop_socket.is_connected(NS)
