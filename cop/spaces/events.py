"""Hooks the space pages ask (cop.events.ask): what the features living in a space show
there. Answered by the features, higher up, in their own packages."""

# (user, space_ids) -> {space_id: unread count}, for lists of spaces.
UNREAD_COUNTS = "space.unread_counts"
# (user, space, page, per_page) -> a dict of more template values for the space's page.
PAGE_CONTEXT = "space.page_context"
