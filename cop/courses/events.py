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


@dataclass(frozen=True)
class ModuleDrafted(Event):
    """A module was written as a draft by someone who may not publish it (a trainee):
    it waits for those who may."""

    name = "module.drafted"
    actor: User
    module: CourseModule


@dataclass(frozen=True)
class ModulePublished(Event):
    """A module was published (also again, after going back to draft)."""

    name = "module.published"
    actor: User
    module: CourseModule
