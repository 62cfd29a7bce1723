"""The anonymiser finds a community's and people's names in their Ukrainian case forms,
contact details, and @mentions; it leaves years, sums and other names alone."""

from cop.consultations.anonymise import anonymiser

MARKS = {"community_mark": "[г]", "person_mark": "[о]", "contact_mark": "[к]"}


def rewrite(text: str) -> str:
    return anonymiser(["Нова Борова"], [("Олена Коваль", "olena")], **MARKS)(text)


def test_names_in_their_case_forms():
    assert rewrite("Нова Борова, у Новій Боровій, Нової Борової") == "[г], у [г], [г]"
    assert rewrite("Олена Коваль, Олені Коваль, пані Коваль") == "[о], [о], пані [о]"
    assert rewrite("нова борова") == "[г]"


def test_contacts_and_mentions():
    assert rewrite("olena@borova.gov.ua, +380 (67) 123-45-67, 0671234567") == "[к], [к], [к]"
    assert rewrite("@olena і @expert") == "[о] і @expert"


def test_what_is_not_a_name_or_a_phone_stays():
    text = "Стратегія на 2025-2030 роки, 15000 грн, Коваленко, Нова школа, Великі Гаї."
    assert rewrite(text) == text
