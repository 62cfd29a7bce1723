"""The demo course (course.yaml): published modules, each with a link and a short
discussion in its forum, and partial progress for the committees. Written through the
services, as experts and members would."""

from cop.accounts.models import User
from cop.courses import service as courses
from cop.courses.models import Completion
from cop.demo import data
from cop.discussions import service as discussions
from cop.discussions.models import ForumType
from cop.spaces.models import Space


def load_course(people: dict[str, User], spaces: dict[str, Space]) -> None:
    """Each module by its author, published by the publisher, with its link and discussion;
    then each person's progress. Commits."""
    content = data.read("course.yaml")
    course, publisher = spaces[content["space"]], people[content["publisher"]]
    modules = []
    for item in content["modules"]:
        author = people[item["author"]]
        module = courses.create_module(
            author,
            course,
            title=item["title"],
            body=item["body"],
            completion=Completion(item["completion"]),
            minutes=item["minutes"],
            forum_type=ForumType(item["forum_type"]),
        )
        courses.add_link(author, module, title=item["link"]["title"], url=item["link"]["url"])
        courses.publish_module(publisher, module)
        talk = item["discussion"]
        discussion = discussions.start_discussion(
            people[talk["who"]], module.forum, title=talk["title"], body=talk["body"]
        )
        discussions.reply(people[talk["reply"]["who"]], discussion, body=talk["reply"]["body"])
        modules.append(module)
    for name, done in content["progress"].items():
        for module in modules[:done]:
            if module.completion == Completion.VIEW:
                courses.record_view(people[name], module)
            else:
                courses.complete_module(people[name], module)
