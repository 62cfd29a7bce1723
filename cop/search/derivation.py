"""Derivation: an adjective (or an -увати verb) and the noun it is made from meet in the
index ("туристичний" / "туризм", "освітній" / "освіта", "планувати" / "план").

Suffix rules propose nouns for an adjective's or verb's lemma; a proposal counts only if
pymorphy3's dictionary has it as a noun lemma, so the rules never invent words. A few
pairs that the rules join but whose meanings part (головний "main" is not about голова)
are left out by hand. The noun is indexed in the low-weight `derived` field
(cop/search/schema.py), so exact forms still rank first."""

from functools import lru_cache

# (ending of the adjective's or verb's lemma, endings of the nouns it may come from)
RULES = (
    ("истичний", ("изм", "истика")),
    ("ічний", ("іка", "ія", "ік")),
    ("ичний", ("ика", "ія", "ик")),
    ("альний", ("а", "ія", "")),
    ("ський", ("а", "о", "я", "")),
    ("цький", ("ка", "ко", "")),
    ("овий", ("", "а", "о")),
    ("евий", ("е", "я", "")),
    ("ний", ("а", "я", "", "о")),
    ("ній", ("а", "я", "")),
    ("увати", ("", "а")),
    ("ювати", ("я", "")),
)
# Joined by the rules, apart in meaning (сільський is about село, not сіль).
FALSE_FRIENDS = frozenset(
    [
        "головний",
        "правий",
        "дійсний",
        "вірний",
        "мирний",
        "ранній",
        "купувати",
        "будувати",
        "малювати",
        "вільний",
        "темний",
        "ранковий",
        "денний",
        "літній",
        "комунальний",
    ]
)
# Pairs the suffix rules cannot see: the stem changes (і/о, a dropped ь, -ц-/-ці-), or the
# noun has four letters. Each noun is checked against the dictionary like the proposals.
ALTERNATIONS = {
    "сільський": "село",
    "шкільний": "школа",
    "молодіжний": "молодь",
    "міський": "місто",
    "земельний": "земля",
    "обласний": "область",
    "медичний": "медицина",
    "інвестиційний": "інвестиція",
    "національний": "нація",
    "спортивний": "спорт",
    "безпечний": "безпека",
    "дорожній": "дорога",
    "європейський": "європа",
    "фінансовий": "фінанси",
    "фінансувати": "фінанси",
    "консультувати": "консультація",
    "інформувати": "інформація",
    "організувати": "організація",
    "мовний": "мова",
    "водний": "вода",
    "ціновий": "ціна",
    "плановий": "план",
}


def _morph():
    from cop.search.analysis import _analyzer

    return _analyzer()


@lru_cache(maxsize=200_000)
def noun_of(lemma: str) -> str | None:
    """The noun an adjective's or verb's lemma is derived from, or None."""
    if lemma in FALSE_FRIENDS or len(lemma) < 6:
        return None
    if lemma in ALTERNATIONS:
        noun = ALTERNATIONS[lemma]
        return noun if _is_noun(noun) else None
    for ending, nouns in RULES:
        if not lemma.endswith(ending):
            continue
        stem = lemma[: -len(ending)]
        for noun_ending in nouns:
            noun = stem + noun_ending
            if len(noun) >= 5 and _is_noun(noun):
                return noun
        return None
    return None


def _is_noun(word: str) -> bool:
    return _morph().word_is_known(word) and any(
        p.tag.POS == "NOUN" and p.normal_form == word and "Abbr" not in p.tag
        for p in _morph().parse(word)
    )
