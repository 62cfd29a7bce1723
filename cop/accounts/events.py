"""Hooks the profile page asks (cop.events.ask), answered by features higher up in their
own packages."""

# (user) -> a dict of more template values for the profile page.
PROFILE_CONTEXT = "profile.page_context"
