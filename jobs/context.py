"""The application a job runs in.

A worker started with ``flask --app wsgi worker`` already has an app context; a job
run by a bare ``rq worker`` builds the app once per process.
"""

from contextlib import contextmanager

from flask import current_app, has_app_context

_app = None


@contextmanager
def app_context():
    global _app
    if has_app_context():
        yield current_app
        return
    if _app is None:
        from wsgi import create_app

        _app = create_app()
    with _app.app_context():
        yield _app
