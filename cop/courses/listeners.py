"""Those a course's steps concern hear of them (cop/notifications/workflow.py), in the
step's transaction: whoever may publish a trainee's draft, and those following the
course when a module is published. A post in a module's forum may complete the module
(completion by forum participation), in the post's transaction."""

from flask import Flask

from cop import events, policy
from cop.courses import service
from cop.courses.events import ModuleDrafted, ModulePublished
from cop.discussions.events import PostCreated, RepliesCopied
from cop.notifications import workflow
from cop.notifications.models import NotificationKind
from cop.notifications.service import subscribers_of


def _drafted(event: ModuleDrafted) -> None:
    people = workflow.active_users()
    policy.preload_facts(people)
    publishers = [u for u in people if policy.can(u, "publish", event.module)]
    workflow.notify(NotificationKind.DRAFT, publishers, event.actor.id, module=event.module)


def _published(event: ModulePublished) -> None:
    module = event.module
    followers = subscribers_of(module.course)
    workflow.notify(NotificationKind.MODULE, followers, event.actor.id, module=module)


def _post_created(event: PostCreated) -> None:
    service.participated(event.actor, event.post)


def _replies_copied(event: RepliesCopied) -> None:
    service.participated(event.actor, event.posts[-1])  # counts all of them, once


def register(app: Flask) -> None:
    events.subscribe(app, PostCreated, _post_created)
    events.subscribe(app, RepliesCopied, _replies_copied)
    events.subscribe(app, ModuleDrafted, _drafted)
    events.subscribe(app, ModulePublished, _published)
