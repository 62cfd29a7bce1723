"""The change bench/serving/reindex.py makes, as an administrator would through the space's
settings (the bench corpus has none: cop's command-line administrator, SYSTEM): the space
goes to another thematic platform and becomes members-only.

    python bench/serving/change_space.py SPACE_ID   (COP_INSTANCE_PATH set)
"""

import sys
import time

from cop import create_app
from cop.extensions import db
from cop.spaces.models import Space
from cop.spaces.service import update_space
from cop.system import SYSTEM

app = create_app()
with app.app_context():
    space = db.session.get(Space, int(sys.argv[1]))
    platform = 2 if space.platform_id != 2 else 3
    started = time.perf_counter()
    update_space(SYSTEM, space, {"platform_id": platform, "visibility": "members"})
    took = (time.perf_counter() - started) * 1000
    print(f"space {space.id}: platform {platform}, members only; committed in {took:.0f} ms")
