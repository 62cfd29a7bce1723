"""Ukrainian alphabetical order for lists sorted in Python (code points put І, Ї, Є, Ґ
after Я). Latin letters follow Cyrillic ones; case is ignored."""

ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_RANK = {letter: n for n, letter in enumerate(ALPHABET)}


def uk_sort_key(text: str) -> tuple:
    return tuple((0, _RANK[ch]) if ch in _RANK else (1, ord(ch)) for ch in text.casefold())


def person_sort_key(name: str) -> tuple:
    """Orders people the Ukrainian way: by surname (the last word of "Ірина Шевченко"),
    then by the given names."""
    *given, surname = name.split() or [""]
    return uk_sort_key(surname), uk_sort_key(" ".join(given))


def by_person(items, name=lambda item: item.display_name) -> list:
    return sorted(items, key=lambda item: person_sort_key(name(item)))
