"""cop: a community-of-practice platform for Ukrainian local self-government."""

from flask import Flask

from cop.config import ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=str(settings["INSTANCE_PATH"]),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings)
    from cop.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter  # every route's ids, before any is added
    settings["INSTANCE_PATH"].mkdir(parents=True, exist_ok=True)

    from cop import extensions as ext
    from cop import guest_cache, headers, i18n, login, serving, sqlite
    from cop.live import sockets  # noqa: F401  (its handlers must exist before init_app)

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.babel.init_app(app, locale_selector=i18n.select_locale)
    serving.init_socketio(app)
    guest_cache.init_app(app)
    login.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    with app.app_context():
        sqlite.configure(ext.db.engine)

    from cop import search

    search.init_app(app)

    from cop.accounts import views as accounts_views
    from cop.admin import views as admin_views
    from cop.api import bp as api_bp
    from cop.attachments import views as attachments_views
    from cop.consultations import views as consultations_views
    from cop.courses import views as courses_views
    from cop.discussions import views as discussions_views
    from cop.errors import register_error_handlers
    from cop.live import views as live_views
    from cop.moderation import views as moderation_views
    from cop.notifications import views as notifications_views
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
    register_error_handlers(app)

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
    )

    from cop.cli import register_commands

    register_commands(app)
    return app
