"""The commune field-visit and concern tracker."""

import os
import secrets
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR


def create_app(config: type | Mapping | None = None) -> Flask:
    """Make the application.

    :param config: a config class from ``config.py``, or a mapping of settings laid over the
        development defaults; by default the class named by ``TRACKER_CONFIG`` (``development``).
    """
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    configure(app, config)
    init_security(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def configure(app: Flask, config: type | Mapping | None) -> None:
    if config is None:
        config = CONFIGS[os.environ.get("TRACKER_CONFIG", "development")]
    if isinstance(config, Mapping):
        app.config.from_object(CONFIGS["development"])
        app.config.from_mapping(config)
    else:
        if hasattr(config, "check"):
            config.check()
        app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    if proxies := app.config.get("TRUSTED_PROXIES", 0):
        # Behind a reverse proxy: the visitor's own address (look-ups are limited per address), and the
        # scheme and host they used (the address printed on a resident's slip).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def init_security(app: Flask) -> None:
    from . import security

    security.init_app(app)


def _instance_secret_key(instance_path: str) -> str:
    """A development secret kept in ``instance/secret_key``, so sessions survive a restart."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32))
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def register_extensions(app: Flask) -> None:
    from . import i18n, performance
    from .auth.session import load_user
    from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate

    performance.init_app(app)  # versioned static addresses, cached for good; compression settings
    compress.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.LOGIN_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .api.pages import bp as api_tokens_bp
    from .api.routes import bp as api_bp
    from .attachments.routes import bp as attachments_bp
    from .auth.routes import bp as auth_bp
    from .concerns.routes import bp as concerns_bp
    from .exports.routes import bp as exports_bp
    from .health import bp as health_bp
    from .i18n import bp as i18n_bp
    from .offline.routes import bp as offline_bp
    from .public.routes import bp as public_bp
    from .review.routes import bp as review_bp
    from .visits.routes import bp as visits_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(concerns_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_tokens_bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .i18n import register_filters

    register_filters(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
