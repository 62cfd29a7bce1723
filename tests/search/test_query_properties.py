"""Any query text, however odd, gives results or a message (Invalid), never another error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cop.errors import Invalid
from cop.search.backend import search
from cop.search.parse import FILTERS
from tests.conftest import both_backends
from tests.search.helpers import person

pytestmark = both_backends

PIECES = st.sampled_from(
    [
        *(f"{name}:" for name in FILTERS),
        *('"', "-", "*", "OR", " ", ":", "²", "٣", "\x00", "\u202e", "\u200b"),
        *("9999", "0001", "99999999999999999999", "2026-13-40", "2026-02", "план"),
    ]
)
QUERIES = st.lists(PIECES | st.text(max_size=12), max_size=30).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=QUERIES)
def test_any_query_gives_results_or_a_message(app, world, text):
    with app.app_context():
        try:
            results = search(person(world, "member"), text)
        except Invalid as invalid:
            assert invalid.fields["q"]
        else:
            assert results.total >= 0
