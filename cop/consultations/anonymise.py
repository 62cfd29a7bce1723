"""Anonymising a consultation for the knowledge base: the community's name and its people
are replaced in the text, and so are e-mail addresses and phone numbers.

Ukrainian names change their endings ("Нова Борова", "Нової Борової", "у Новій Боровій";
"Олена Коваль", "Олені Коваль"), so each word of a name is matched by its stem followed by
a few letters. A little too much may be replaced ("Олена" anywhere), never too little of a
name written as it is stored. Forms that change the stem itself ("Новоборівська") are not
caught: the expert reads the copy before publishing and can edit it after.
"""

import re
from collections.abc import Callable, Iterable

WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d\s()-]{7,}\d(?!\w)")
PHONE_DIGITS = 9  # "2024-2027" is years, "067 123 45 67" a phone
MENTION = re.compile(r"(?<![\w@])@([a-z0-9_.-]+)", re.IGNORECASE)
ENDING = r"[^\W\d_]{0,4}"  # room for a case ending: "Борова" -> "Боровій", "Борової"


def _stem(word: str) -> str:
    if len(word) >= 6:
        return word[:-2]
    if len(word) >= 4:
        return word[:-1]
    return word


def name_pattern(name: str) -> str | None:
    """A pattern for a name in any case form: each word's stem and an ending, the words
    separated by spaces or hyphens."""
    words = WORD.findall(name)
    if not words:
        return None
    return r"[\s-]+".join(re.escape(_stem(w)) + ENDING for w in words)


def _alternatives(patterns: Iterable[str | None]) -> re.Pattern | None:
    kept = sorted({p for p in patterns if p}, key=len, reverse=True)  # longest first
    if not kept:
        return None
    return re.compile(r"(?<![^\W\d_])(?:" + "|".join(kept) + r")(?![^\W\d_])", re.IGNORECASE)


def anonymiser(
    community_names: Iterable[str],
    people: Iterable[tuple[str, str]],
    *,
    community_mark: str,
    person_mark: str,
    contact_mark: str,
) -> Callable[[str], str]:
    """A function replacing, in Markdown text, the community's names with
    `community_mark`, the people (display name, username) and their @mentions with
    `person_mark`, and e-mail addresses and phone numbers with `contact_mark`. A person's
    full name is replaced first, then each part of it at least four letters long (a
    surname written alone)."""
    people = list(people)
    usernames = {username.lower() for _, username in people if username}
    community = _alternatives(name_pattern(n) for n in community_names)
    full_names = _alternatives(name_pattern(name) for name, _ in people)
    parts = _alternatives(
        name_pattern(word) for name, _ in people for word in WORD.findall(name) if len(word) >= 4
    )

    def mention(match: re.Match) -> str:
        return person_mark if match.group(1).lower() in usernames else match.group(0)

    def phone(match: re.Match) -> str:
        digits = sum(c.isdigit() for c in match.group(0))
        return contact_mark if digits >= PHONE_DIGITS else match.group(0)

    def apply(text: str) -> str:
        text = EMAIL.sub(contact_mark, text)
        text = PHONE.sub(phone, text)
        text = MENTION.sub(mention, text)
        for pattern, mark in (
            (community, community_mark),
            (full_names, person_mark),
            (parts, person_mark),
        ):
            if pattern is not None:
                text = pattern.sub(mark, text)
        return text

    return apply
