"""cop: a community-of-practice platform for Ukrainian local self-government."""

from flask import Flask

from cop.config import load_config, shipped
from cop.cooperative import CooperativeTemplate
from cop.limits import BoundedRequest


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=str(settings["INSTANCE_PATH"]),
        template_folder=str(shipped("templates")),
        static_folder=str(shipped("static")),
    )
    app.config.update(settings)
    app.request_class = BoundedRequest
    app.jinja_env.template_class = CooperativeTemplate  # renders let live events in
    # Here, not at the top: cop.inputs brings the error handling and flask-limiter (with
    # redis and urllib3), which gunicorn's gevent worker must not find imported before it
    # patches.
    from cop.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter  # every route's ids, before any is added
    settings["INSTANCE_PATH"].mkdir(parents=True, exist_ok=True)

    # Here, not at the top: `import cop` (gunicorn, the CLI) stays light until an app is built.
    from cop import dates, db, events, faults, guest_cache, headers, i18n, login, serving, sqlite
    from cop import extensions as ext
    from cop.live import sockets  # noqa: F401  (its handlers must exist before init_app)

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(shipped("migrations")), render_as_batch=True)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.babel.init_app(app, locale_selector=i18n.select_locale)
    serving.init_socketio(app)
    guest_cache.init_app(app)
    serving.init_request_log(app)  # cached pages are requests too
    serving.init_proxies(app)  # outermost: everything inside sees the client's address
    login.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    dates.init_app(app)
    events.init_app(app)
    with app.app_context():
        sqlite.configure(ext.db.engine, app.config["COP_SQLITE_LOCK_WAIT_MS"] / 1000)
        faults.configure(ext.db.engine)
        db.configure(ext.db.engine)  # hot rows' statements go with the COMMIT

    from cop import search
    from cop.discussions import cards
    from cop.spaces import rows

    search.init_app(app)
    cards.init_app(app)
    rows.init_app(app)

    from cop.attachments import listeners as attachments_listeners
    from cop.consultations import listeners as consultations_listeners
    from cop.courses import listeners as courses_listeners
    from cop.discussions import listeners as discussions_listeners
    from cop.live import listeners as live_listeners
    from cop.moderation import listeners as moderation_listeners
    from cop.notifications import listeners as notifications_listeners
    from cop.spaces import listeners as spaces_listeners

    # In this order in the transaction: notifications, then a consultation's life cycle.
    for listeners in (
        spaces_listeners,
        attachments_listeners,
        discussions_listeners,
        notifications_listeners,
        consultations_listeners,
        moderation_listeners,
        courses_listeners,
        live_listeners,
    ):
        listeners.register(app)

    from cop.accounts import views as accounts_views
    from cop.admin import views as admin_views
    from cop.api import bp as api_bp
    from cop.attachments import views as attachments_views
    from cop.composer import views as composer_views
    from cop.consultations import views as consultations_views
    from cop.courses import views as courses_views
    from cop.discussions import views as discussions_views
    from cop.errors import register_error_handlers
    from cop.live import views as live_views
    from cop.moderation import views as moderation_views
    from cop.notifications import views as notifications_views
    from cop.privacy import views as privacy_views
    from cop.search import views as search_views
    from cop.spaces import views as spaces_views

    app.register_blueprint(api_bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(spaces_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(discussions_views.bp)
    app.register_blueprint(attachments_views.bp)
    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(notifications_views.bp)
    app.register_blueprint(consultations_views.bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(courses_views.bp)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(privacy_views.bp)
    app.register_blueprint(composer_views.bp)
    register_error_handlers(app, faults.answer)

    from cop import policy
    from cop.labels import label
    from cop.notifications.queries import unread_count
    from cop.urls import url_pattern

    app.jinja_env.globals.update(
        can=policy.can,
        policy=policy,
        label=label,
        unread_notifications=unread_count,
        url_pattern=url_pattern,
        live_sessions_in=live_views.sessions_in,
        space_url=spaces_views.space_url,
    )

    from cop.cli import register_commands

    register_commands(app)
    return app
