"""Ukrainian alphabetical order for lists sorted in Python (code points put І, Ї, Є, Ґ
after Я). Latin letters follow Cyrillic ones; case is ignored."""

ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_RANK = {letter: n for n, letter in enumerate(ALPHABET)}


def uk_sort_key(text: str) -> tuple:
    return tuple((0, _RANK[ch]) if ch in _RANK else (1, ord(ch)) for ch in text.casefold())
