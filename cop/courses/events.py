"""What courses publish (cop.events); listeners live in the features that care, higher up."""

from dataclasses import dataclass

from cop.accounts.models import User
from cop.courses.models import CourseModule
from cop.events import Event


@dataclass(frozen=True)
class ModuleUnpublished(Event):
    """A published module went back to draft (in the transaction of the change): its
    learners may no longer read it, nor its forum."""

    name = "module.unpublished"
    actor: User
    module: CourseModule
