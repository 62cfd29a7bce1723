"""The index's fields. Ids are strings (exact terms); `text` is analysed for Ukrainian and
English; facet fields are columns so counting them needs no stored-field reads."""

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from cop.search.analysis import derived_analyzer, exact_analyzer, text_analyzer

FACETS = ("kind", "space", "platform", "year")
# Bump whenever the fields or the analysis change: an index built with another version is
# not searched (its terms would not match the queries') until `cop search rebuild`.
VERSION = 4


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        post=ID(stored=True),
        discussion=ID(stored=True, sortable=True),  # results are grouped by it
        consultation=ID,
        space=ID(stored=True, sortable=True),
        community=ID(stored=True),
        oblast=ID(stored=True),
        platform=ID(stored=True, sortable=True),
        status=ID(stored=True),
        created=DATETIME(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        heading=STORED,
        text=TEXT(analyzer=text_analyzer(), stored=True, multitoken_query="or"),
        # The text again, as the nouns its adjectives and verbs come from: ranks low.
        derived=TEXT(analyzer=derived_analyzer()),
        # The text as written: quoted words and phrases, and excluded words, match forms.
        exact=TEXT(analyzer=exact_analyzer()),
        # An opening post's (or module's) title alone, for `title:`.
        title=TEXT(analyzer=text_analyzer()),
        author=ID(stored=True),
        tags=KEYWORD(commas=True),  # the discussion's, as stored (lower case)
        first=ID,
        group=ID,
        private=ID,
        audience=KEYWORD,
        internal=ID,
        hidden=ID,
        stamp=STORED,
    )
