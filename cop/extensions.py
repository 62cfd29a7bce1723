"""Flask extensions, created unbound and initialised once in create_app."""

import json

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from cop.db import Base


class _Utf8Json:
    """Socket.IO packets in UTF-8 JSON: a Ukrainian letter takes 2 bytes instead of the 6
    of an ASCII escape (backslash, u, four hex digits), and each packet is written once to
    every client in a room."""

    @staticmethod
    def dumps(obj, **options) -> str:
        return json.dumps(obj, ensure_ascii=False, **options)

    loads = staticmethod(json.loads)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Its async mode and message queue are set in cop/serving.py from COP_ASYNC_MODE and
# COP_MESSAGE_QUEUE, never guessed from whatever server library happens to be installed.
socketio = SocketIO(json=_Utf8Json)
