"""URL patterns for links repeated on every row of a page: url_for once per page, then
`pattern % row_id` per row, which costs a small fraction of a url_for call."""

from flask import url_for

_SENTINEL = 987654321


def url_pattern(endpoint: str, placeholder: str, **values) -> str:
    """The URL of `endpoint` with the `placeholder` argument left as %d."""
    url = url_for(endpoint, **{placeholder: _SENTINEL}, **values)
    return url.replace("%", "%%").replace(str(_SENTINEL), "%d")
