"""The query language: words (any of their forms), "exact words and phrases", OR,
-exclusion (of exact words), word* prefixes, title: (words of titles) and field filters
(author:, in:, kind:, status:, platform:, community:, tag:, before:, after:,
is:starred). Input is bounded:
too long a query, too many words, too long a word, a prefix too short to be useful, a
control character, a date outside the years cop.inputs allows or an unknown kind: or
status: is an Invalid (422) with a message; an unclosed quote just closes at the end."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from whoosh import query

from cop.accounts.models import User
from cop.consultations.models import Status
from cop.discussions.tags import normalise_tag
from cop.errors import Invalid
from cop.extensions import db
from cop.inputs import YEAR_MAX, YEAR_MIN, clean_note, parse_id
from cop.orgs.models import Community, ThematicPlatform
from cop.search.analysis import WORD_RE, fold, lemmas, normalize, query_words
from cop.search.derivation import noun_of
from cop.spaces.models import Space

KINDS = ("discussion", "consultation", "live", "module")
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 20
MAX_WORD_CHARS = 50
PREFIX_MIN = 3
DERIVED_WEIGHT = 0.3  # a word's derivations count this much against its own forms
MATCHING_NAMES = 50  # author:, in:, community: match at most this many names

_TOKEN = re.compile(r'(-)?(?:([a-z]+):)?(?:"([^"]*)"?|([^\s"]+))')


@dataclass
class Parsed:
    positive: list[query.Query] = field(default_factory=list)
    negative: list[query.Query] = field(default_factory=list)
    filters: list[query.Query] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # plain words, for "did you mean"

    def query(self) -> query.Query:
        base = query.And(self.positive + self.filters) if self.positive else None
        if base is None:
            base = query.And([query.Every(), *self.filters]) if self.filters else query.Every()
        if self.negative:
            return query.AndNot(base, query.Or(self.negative))
        return base

    @property
    def empty(self) -> bool:
        return not (self.positive or self.filters)


def _invalid(message: str) -> Invalid:
    return Invalid(message, fields={"q": message})


Weigh = Callable[[str], tuple[float, ...]]


def unweighed(word: str) -> tuple[float, ...]:
    return (1.0,) * len(lemmas(word))


def word_query(
    word: str, derived: bool = False, field_name: str = "text", weigh: Weigh = unweighed
) -> query.Query:
    """Any of the word's lemmas, each at the weight `weigh` gives its reading
    (cop/search/readings.py); with `derived`, also, at a lower weight, the noun it comes
    from and the adjectives and verbs that come from that noun or from the word."""
    found = lemmas(word)
    weights = dict(zip(found, weigh(word), strict=True))
    terms = [query.Term(field_name, lemma, boost=weights[lemma]) for lemma in found]
    if derived:
        nouns: dict[str, float] = {}
        for lemma in found:
            for noun in (lemma, noun_of(lemma)):
                if noun is not None:
                    nouns[noun] = max(nouns.get(noun, 0.0), weights[lemma] * DERIVED_WEIGHT)
        for noun, weight in nouns.items():
            if noun not in found:
                terms.append(query.Term("text", noun, boost=weight))
            terms.append(query.Term("derived", noun, boost=weight))
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _text_query(
    text: str, exact: bool, field_name: str = "text", weigh: Weigh = unweighed
) -> query.Query | None:
    """Words in any of their forms (in `field_name`), or `exact`ly as written: one word,
    or a phrase (its words in order, stop words between them skipped)."""
    words = query_words(text)
    for word in words:
        if len(word) > MAX_WORD_CHARS:
            raise _invalid(_("A word is too long (at most %(n)d letters).", n=MAX_WORD_CHARS))
    if not words:
        return None
    if exact:
        parts = [query.Term("exact", fold(w)) for w in words]
    else:
        derived = field_name == "text"
        parts = [word_query(w, derived, field_name, weigh) for w in words]
    if len(parts) == 1:
        return parts[0]
    return query.Sequence(parts, slop=1) if exact else query.And(parts)


def _prefix_query(text: str, expand: Callable[[str], list[str]]) -> query.Query:
    stem = fold(normalize(text.rstrip("*")))
    if "*" in stem or "?" in stem or not WORD_RE.fullmatch(stem) or len(stem) < PREFIX_MIN:
        raise _invalid(
            _("Put at least %(n)d letters before the * and use it only at the end.", n=PREFIX_MIN)
        )
    return query.Or([query.Term("text", term) for term in expand(stem)])


def _ids(field_name: str, ids) -> query.Query:
    return query.Or([query.Term(field_name, str(i)) for i in ids])


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _named(column, value: str, *extra) -> list[int]:
    model = column.class_
    return list(
        db.session.scalars(
            select(model.id)
            .where(or_(column.ilike(_like(value), escape="\\"), *extra))
            .limit(MATCHING_NAMES)
        )
    )


def _date(value: str, end: bool) -> datetime:
    """YYYY, YYYY-MM or YYYY-MM-DD; `end`: the first moment after that period."""
    for fmt, step in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            start = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if not YEAR_MIN <= start.year <= YEAR_MAX:
            raise _invalid(
                _("Give a year between %(low)s and %(high)s.", low=YEAR_MIN, high=YEAR_MAX)
            )
        if not end:
            return start
        if step == "day":
            return start + timedelta(days=1)
        if step == "month":
            return (start + timedelta(days=32)).replace(day=1)
        return start.replace(year=start.year + 1)
    raise _invalid(_("Write dates as YYYY-MM-DD (or YYYY-MM, or YYYY)."))


def filter_query(name: str, value: str, starred: Callable[[], list[int]] = list) -> query.Query:
    """The index query of one filter; `starred` gives the searching person's starred
    discussions (for is:starred)."""
    value = value.strip()
    if name == "is":
        if value != "starred":
            raise _invalid(_("is: takes starred."))
        ids = starred()
        if not ids:
            return query.NullQuery
        return query.Or([query.Term("discussion", str(i)) for i in ids])
    if name == "kind":
        if value not in KINDS:
            raise _invalid(_("kind: is one of %(kinds)s.", kinds=", ".join(KINDS)))
        return query.Term("kind", value)
    if name == "status":
        if value not in set(Status):
            raise _invalid(_("status: is one of %(s)s.", s=", ".join(s.value for s in Status)))
        return query.Term("status", value)
    if name == "platform":
        return _ids(
            "platform",
            _named(
                ThematicPlatform.name_uk,
                value,
                ThematicPlatform.name_en.ilike(_like(value), escape="\\"),
                ThematicPlatform.slug == value,
            ),
        )
    if name == "community":
        return _ids("community", _named(Community.name, value))
    if name == "in":
        space_id = parse_id(value)
        extra = [Space.id == space_id] if space_id is not None else []
        return _ids("space", _named(Space.title, value, *extra))
    if name == "author":
        return _ids("author", _named(User.display_name, value))
    if name == "tag":  # tag:бюджет, tag:"сільське господарство"
        try:
            return query.Term("tags", normalise_tag(value))
        except ValueError as error:
            raise _invalid(str(error)) from None
    if name == "after":
        return query.DateRange("created", _date(value, end=True), None)
    return query.DateRange("created", None, _date(value, end=False), endexcl=True)


FILTERS = (
    "author",
    "in",
    "kind",
    "status",
    "platform",
    "community",
    "tag",
    "before",
    "after",
    "is",
)


def parse(
    text: str,
    expand: Callable[[str], list[str]],
    starred: Callable[[], list[int]] = list,
    weigh: Weigh = unweighed,
) -> Parsed:
    """The query; `expand` gives the index terms a `word*` stands for, `starred` the
    searcher's starred discussions, `weigh` the weights of a word's readings."""
    try:
        text = clean_note(text)
    except ValueError as error:
        raise _invalid(str(error)) from None
    if len(text) > MAX_QUERY_CHARS:
        raise _invalid(_("The query is too long (at most %(n)d characters).", n=MAX_QUERY_CHARS))
    parsed = Parsed()
    join_next = False
    clauses = 0
    for match in _TOKEN.finditer(text):
        negated, name, phrase, bare = match.groups()
        if name and name not in (*FILTERS, "title"):
            bare = f"{name}:{bare or phrase or ''}"
            name = None
        value = phrase if phrase is not None else bare
        if value is None:
            continue
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise _invalid(_("Too many words: use at most %(n)d.", n=MAX_CLAUSES))
        if name and name != "title":
            if not value.strip():
                continue
            clause = filter_query(name, value, starred)
            (parsed.negative if negated else parsed.filters).append(clause)
            continue
        if bare == "OR" and not negated:
            join_next = bool(parsed.positive)
            continue
        if name == "title":
            clause = _text_query(value, False, "title", weigh)
        elif "*" in (bare or ""):
            clause = _prefix_query(bare, expand)
        else:
            clause = _text_query(value, phrase is not None or negated, "text", weigh)
        if clause is None:
            continue
        if negated:
            parsed.negative.append(clause)
            continue
        if name is None and phrase is None and "*" not in bare:
            parsed.words.extend(query_words(bare))
        if join_next:
            parsed.positive[-1] = query.Or([parsed.positive[-1], clause])
            join_next = False
        else:
            parsed.positive.append(clause)
    if parsed.negative and parsed.empty:
        raise _invalid(_("Add a word to look for, not only words to leave out."))
    return parsed
