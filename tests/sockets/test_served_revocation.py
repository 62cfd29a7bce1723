"""Revocation across server processes: an expert removed from their group through one
`cop run` process stops hearing, on a socket another process holds, from the expert room's
discussion they had open; a keeper on that process still hears (Redis carries the check
and the replies)."""

import requests
from sqlalchemy import select

from cop.extensions import db
from cop.orgs.models import ExpertGroup
from tests.conftest import bearer
from tests.servers import Recorder, two_servers_over_redis


def test_removed_from_a_group_on_one_process_the_other_stops_sending(app, world, served_env):
    tokens = {n: bearer(app, world.users[n]) for n in ("expert", "trainee", "moderator", "admin")}
    room = world.spaces["expert_room"]
    with app.app_context():
        group = db.session.scalar(select(ExpertGroup.id).where(ExpertGroup.name == "Група А"))
    with two_servers_over_redis(served_env) as (first, second):
        sockets = []
        try:

            def api(method: str, path: str, who: str, **json) -> dict:
                r = requests.request(
                    method, f"{first.url}/api/v1{path}", headers=tokens[who], json=json, timeout=10
                )
                assert r.status_code in (200, 201), r.text
                return r.json()

            discussion = api(
                "POST", f"/spaces/{room}/discussions", "expert", title="План", body="Ну?"
            )
            lost, kept = (
                Recorder(second.url, tokens[n]["Authorization"].split()[1])
                for n in ("expert", "moderator")
            )
            sockets += [lost, kept]
            for socket in (lost, kept):
                assert socket.call("watch", {"discussion_id": discussion["id"]}) == {"ok": True}
            before = api("POST", f"/discussions/{discussion['id']}/posts", "trainee", body="Перша")
            for socket in (lost, kept):  # sent, and checked, before the change
                socket.wait_for(lambda s=socket: s.named("reply"))
            trainee = world.users["trainee"].id
            api("PATCH", f"/expert-groups/{group}", "admin", member_ids=[trainee])
            lost.wait_for(lambda: lost.named("error"))
            assert [e["code"] for e in lost.named("error")] == ["revoked"]
            after = api("POST", f"/discussions/{discussion['id']}/posts", "trainee", body="Друга")
            kept.wait_for(lambda: len(kept.named("reply")) == 2)
            assert [e["post_id"] for e in kept.named("reply")] == [before["id"], after["id"]]
            assert [e["post_id"] for e in lost.named("reply")] == [before["id"]]
        finally:
            for socket in sockets:
                socket.close()
