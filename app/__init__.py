"""Project invoicing: the application factory."""

from pathlib import Path

from flask import Flask, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import engine_options, from_environment
from app.extensions import babel, csrf, db

from app.formatting import FORMAT_LOCALES, LANGUAGES


def select_locale() -> str:
    """The chosen language from the session, else the browser's best match; English
    outside a request (the CLI)."""
    if not has_request_context():
        return FORMAT_LOCALES["en"]
    language = session.get("language")
    if language not in LANGUAGES:
        language = request.accept_languages.best_match(list(LANGUAGES)) or "en"
    return FORMAT_LOCALES[language]


def create_app(config: dict | None = None) -> Flask:
    """Build the app; tests pass their own config (database URL, secret key…)."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    app.config.update(config or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)  # for the final URL
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))

    db.init_app(app)
    from app.cli import register_cli, register_migrations
    # Flask-Migrate (and Alembic) are imported only by a `db` command or an upgrade().
    register_migrations(app, str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from app import models  # noqa: F401  (register every table)
    from app.web import templating
    templating.register(app)  # every template filter and global, once
    from app import htmx
    htmx.init_app(app)

    from app.web import converters
    converters.init_app(app)  # `<id:…>` of the routes: before any blueprint is registered

    from app.main import bp as main_bp
    from app.contracts import bp as contracts_bp
    from app.actuals import bp as actuals_bp
    from app.invoices import bp as invoices_bp
    from app.backlog import bp as backlog_bp
    from app.setup import bp as setup_bp
    from app.entries import bp as entries_bp
    from app.documents import bp as documents_bp
    from app.auth import bp as auth_bp
    from app.receivables import bp as receivables_bp
    for blueprint in (main_bp, contracts_bp, actuals_bp, invoices_bp, backlog_bp, setup_bp,
                      entries_bp, documents_bp, auth_bp, receivables_bp):
        app.register_blueprint(blueprint)
    from app.web import access, failures
    access.init_app(app)
    failures.init_app(app)  # a database that went away answers 503; a read is retried once
    from app.web import inputs; inputs.init_app(app)  # noqa: E702  (NUL, lone surrogates)
    from app.web import errors; errors.init_app(app)  # noqa: E702  (4xx/5xx pages; after failures)
    from app.auth import throttle; throttle.init_app(app)  # noqa: E702  (sign-in limits)

    register_cli(app)

    @app.context_processor
    def inject_languages():
        return {"languages": LANGUAGES, "current_language": session.get("language")
                or request.accept_languages.best_match(list(LANGUAGES)) or "en"}

    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, on every connection; WAL lets pages
    read while an invoice is being written."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
