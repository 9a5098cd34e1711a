"""The WSGI entry point: ``wsgi:app`` for servers, ``flask --app wsgi`` for the CLI."""

import os

from flask import Flask, redirect, url_for

import admin
import cli
import credentials
import logging_setup
import settings
from extensions import csrf, db, migrate
from web import auth, health, oauth, rq_dash

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def create_app(test_config=None):
    """Build the application; ``test_config`` overrides the environment's settings."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings.load(instance_path=app.instance_path))
    app.config.update(test_config or {})

    logging_setup.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    credentials.init_app(app)
    auth.init_app(app)
    health.init_app(app)
    admin.init_app(app)
    rq_dash.init_app(app)
    oauth.init_app(app)
    cli.init_app(app)
    app.add_url_rule("/", "home", lambda: redirect(url_for("admin.index")))
    return app


def __getattr__(name):
    # build the app on first use, so importing this module has no side effects
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
