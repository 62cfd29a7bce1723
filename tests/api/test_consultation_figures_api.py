"""GET /api/v1/consultations/figures: the same figures as the page, for programs; experts
count only their group's desks, committees and trainees are refused."""

import pytest

from tests.figures_data import build_figures_world

API = "/api/v1/consultations/figures"


@pytest.fixture
def platforms(app, world):
    with app.app_context():
        return build_figures_world(world)


def get(client, headers, **params):
    return client.get(API, headers=headers, query_string=params)


def test_staff_get_every_month_with_seconds_of_working_time(client, h, platforms):
    response = get(client, h["moderator"], first="2026-01", last="2026-03")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["first"], body["last"], body["by"]) == ("2026-01", "2026-03", "none")
    assert [m["month"] for m in body["months"]] == ["2026-01", "2026-02", "2026-03"]
    jan = body["months"][0]
    assert jan == {
        "month": "2026-01",
        "opened": 3,
        "answered": 3,
        "resolved": 3,
        "median_first_response_seconds": 4 * 3600,
        "median_resolution_seconds": 2 * 86400,
        "mean_rating": pytest.approx(11 / 3),
        "ratings": 3,
        "groups": [],
    }
    assert body["total"]["median_first_response_seconds"] == 10 * 3600
    assert body["total"]["median_resolution_seconds"] == 3 * 86400
    assert body["total"]["mean_rating"] == 3.5
    assert body["months"][2]["median_first_response_seconds"] is None


def test_breakdown_by_platform_names_them_in_the_readers_language(client, h, platforms):
    body = get(client, h["admin"], first="2026-01", last="2026-03", by="platform").get_json()
    keys = [g["key"] for g in body["groups"]]
    assert keys == [platforms["p1"], platforms["p2"], None]
    assert body["groups"][-1]["name"] == "Без платформи"
    assert (body["groups"][0]["opened"], body["groups"][0]["resolved"]) == (2, 2)
    jan = {g["key"]: (g["opened"], g["resolved"]) for g in body["months"][0]["groups"]}
    assert jan == {platforms["p1"]: (2, 2), platforms["p2"]: (1, 0), None: (0, 1)}


def test_an_expert_counts_only_their_groups_desks(client, h, platforms):
    body = get(client, h["other_expert"], first="2026-01", last="2026-03", by="oblast").get_json()
    assert [g["name"] for g in body["groups"]] == ["Житомирська"]
    assert (body["total"]["opened"], body["total"]["resolved"]) == (1, 1)
    mine = get(client, h["expert"], first="2026-01", last="2026-03", by="community").get_json()
    assert [g["name"] for g in mine["groups"]] == ["Громада А", "Громада В"]


@pytest.mark.parametrize("name", ["member", "outsider", "trainee", "space_moderator"])
def test_committees_and_trainees_are_refused(client, h, platforms, name):
    response = get(client, h[name], first="2026-01", last="2026-03")
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["status"] == 403 and "Громада" not in str(error)


def test_guests_must_sign_in(client, platforms):
    assert client.get(API).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"first": "2026-1"}, "first"),
        ({"first": "2026-03", "last": "2026-01"}, "last"),
        ({"by": "village"}, "by"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(client, h, platforms, params, field):
    response = get(client, h["moderator"], **params)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_openapi_document_describes_the_figures(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"][API]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"first", "last", "by"}
    assert "FiguresOut" in doc["components"]["schemas"]
