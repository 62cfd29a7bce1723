"""Demo data written for this project: the three hromadas of the DESPRO strategic-planning
pilot, their committees, two associations, mixed expert groups, one account per role, and
what they wrote: live Q&A, a course, lively forums and consultations. The content is in
content/ (YAML, and the posts' attachments in content/files/); these modules write it
through the services, as the people would. Every password is `demo`. Loaded only by
`cop demo`."""

from sqlalchemy import select

from cop.accounts.models import User
from cop.demo.consultations import load_consultations
from cop.demo.courses import load_course
from cop.demo.forum import load_forum
from cop.demo.live import load_live
from cop.demo.orgs import load_orgs
from cop.extensions import db


def load_demo() -> bool:
    """Adds the demo once; returns False if it is already there. Commits."""
    if db.session.scalar(select(User.id).where(User.email == "admin@example.org")):
        return False
    people, spaces = load_orgs()
    load_live(people, spaces)
    load_course(people, spaces)
    load_forum(people, spaces)
    load_consultations(people)
    return True
