"""The WSGI application for gunicorn: `gunicorn -c python:cop.gunicorn_conf cop.wsgi:app`."""

from cop import create_app

app = create_app()
