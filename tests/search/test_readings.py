"""Weighing an ambiguous word's readings (cop/search/readings.py) by how often the index
holds the forms only one of them explains."""

from cop.search.analysis import lemmas
from cop.search.readings import FLOOR, telling_forms, weights


def held(counts: dict[str, int]):
    return lambda forms: sum(counts.get(form, 0) for form in forms)


def test_the_reading_whose_own_forms_the_index_holds_weighs_most():
    assert lemmas("рік")[:2] == ("ріка", "рік")
    year, river = weights("рік", held({"років": 30, "роки": 9})), weights("рік", held({"ріки": 3}))
    assert year[1] == 1.0 and year[0] == FLOOR
    assert river[0] == 1.0 and river[1] < 0.5


def test_readings_the_index_holds_no_evidence_for_weigh_alike():
    assert set(weights("рік", held({}))) == {1.0}
    assert weights("громада", held({"громади": 5})) == (1.0,)


def test_a_reading_without_forms_of_its_own_is_not_weighed_down():
    # рад and рада share every form; only радий has its own.
    forms = dict(zip(lemmas("рада"), telling_forms("рада"), strict=True))
    assert forms["рада"] == () and "радий" in forms["радий"]
    weighed = dict(zip(lemmas("рада"), weights("рада", held({"радий": 1})), strict=True))
    assert weighed["рада"] == 1.0 and weighed["радий"] == 1.0
