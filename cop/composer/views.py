from flask import Blueprint, render_template
from flask_babel import gettext as _

from cop.guest_cache import guest_cached
from cop.text import render_markdown

bp = Blueprint("composer", __name__)


def _examples() -> list[tuple[str, str]]:
    """(what it does, what to type) pairs, in the reader's language."""
    return [
        (_("Bold and italic"), _("**important** and *a remark*")),
        (_("A list"), _("- water supply\n- roads\n- schools")),
        (_("A numbered list"), _("1. apply\n2. wait for the answer\n3. report")),
        (_("A link"), _("[The Law on Local Self-Government](https://zakon.rada.gov.ua/)")),
        (_("A quote"), _("> The council decides within a month.")),
        (_("A heading"), _("## Budget for next year")),
        (
            _("A picture from another site (shown as a link)"),
            _("![Map of the hromada](https://example.org/map.png)"),
        ),
        (_("Code or an exact text"), _("`budget_2025.xlsx`")),
        (_("A table"), _("| Village | People |\n| --- | --- |\n| Lypky | 820 |")),
        (_("Mention a person: they get a notification"), _("@o.petrenko, have a look")),
    ]


@bp.get("/help/formatting")
@guest_cached
def formatting():
    examples = [(what, source, render_markdown(source)) for what, source in _examples()]
    return render_template("composer/formatting.html", examples=examples)
