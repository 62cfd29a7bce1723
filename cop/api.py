"""/api/v1: the root blueprint with every feature's endpoints nested under it (once, at import)."""

from cop.accounts.api import bp as accounts
from cop.attachments.api import bp as attachments
from cop.composer.api import bp as composer
from cop.consultations.api import bp as consultations
from cop.courses.api import bp as courses
from cop.discussions.api import bp as discussions
from cop.jsonapi import bp
from cop.live.api import bp as live
from cop.moderation.api import bp as moderation
from cop.notifications.api import bp as notifications
from cop.orgs.api import bp as orgs
from cop.privacy.api import bp as privacy
from cop.search.api import bp as search
from cop.spaces.api import bp as spaces

for feature in (
    accounts,
    orgs,
    spaces,
    discussions,
    attachments,
    moderation,
    notifications,
    consultations,
    live,
    courses,
    search,
    privacy,
    composer,
):
    bp.register_blueprint(feature)
