"""The hello-world anchor for bench/forum/serve_cost.py: a bare Flask app, served by the
same gunicorn worker class and settings as `cop run`."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
