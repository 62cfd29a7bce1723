"""Flask extensions, created unbound and initialised once in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from cop.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Its async mode and message queue are set in cop/serving.py from COP_ASYNC_MODE and
# COP_MESSAGE_QUEUE, never guessed from whatever server library happens to be installed.
socketio = SocketIO()
