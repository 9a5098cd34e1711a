"""Fixtures for the whole suite: the app on SQLite and on PostgreSQL, and real Redis.

Each backend gets its schema once per session through the migrations; every test then
starts from empty tables and an empty Redis database. Apps are built with
``create_app(test_config)`` and never write into the repository's ``instance/``.
"""

import os
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine

import settings
from extensions import db
from tests import factories, pages
from wsgi import create_app

TEST_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# fixed keys, so a failing test can be replayed; never used outside the tests
CREDENTIALS_KEY = "KMm8OCAU1Q8Y2YxlfYQMcNqZAv7-35TEpI5T8LlJDfA="
OTHER_CREDENTIALS_KEY = "W4tl-9WhrNTTQCddMuwo5aaGAjxwaYIYlBBYzOa7kHQ="
SECRET_KEY = "test-secret-key-0123456789abcdef0123456789abcdef"

# the variables settings.load reads; a developer's shell must not leak into the tests
APP_VARIABLES = (
    "APP_ENV",
    "SECRET_KEY",
    "CREDENTIALS_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "PLATFORM_BASE_URLS",
    "API_LOG_RETENTION_DAYS",
)


@dataclass
class Backend:
    """One database the suite runs against, already migrated to the head revision."""

    name: str
    url: str
    engine_options: dict = field(default_factory=dict)

    def config(self, **overrides):
        config = {
            "TESTING": True,
            "APP_ENV": "test",
            "SECRET_KEY": SECRET_KEY,
            "CREDENTIALS_KEYS": [CREDENTIALS_KEY],
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **self.engine_options},
            "REDIS_URL": TEST_REDIS_URL,
        }
        config.update(overrides)
        return config


def postgres_schema_backend(name, schema):
    """A backend whose connections see only ``schema`` (through search_path).

    Commits do not wait for the disk: a test database need not survive a crash.
    """
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    return Backend(
        name,
        settings._database_url(TEST_POSTGRES_URL, None),
        {"connect_args": {"options": options}},
    )


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, connection_record):
    """The SQLite test files need not survive a crash either."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def create_postgres_schema(prefix):
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(settings._database_url(TEST_POSTGRES_URL, None))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(
            f"PostgreSQL at TEST_POSTGRES_URL={TEST_POSTGRES_URL} does not answer "
            f"({type(error).__name__}); start it or point the variable elsewhere."
        )
    finally:
        engine.dispose()
    return schema


def drop_postgres_schema(schema):
    engine = sa.create_engine(settings._database_url(TEST_POSTGRES_URL, None))
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _environment(tmp_path_factory):
    """No app variable from the shell, and an instance folder in a temp dir."""
    with pytest.MonkeyPatch.context() as patch:
        for name in APP_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        yield


@pytest.fixture(scope="session", params=("sqlite", "postgres"))
def backend(request, tmp_path_factory):
    """A database migrated once per session by ``flask db upgrade``."""
    schema = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        backend = Backend("sqlite", f"sqlite:///{path}")
    else:
        schema = create_postgres_schema("pytest")
        backend = postgres_schema_backend("postgres", schema)

    app = create_app(backend.config())
    with app.app_context():
        upgrade()
    dispose(app)

    yield backend
    if schema:
        drop_postgres_schema(schema)


def clean_tables():
    """Empty every table, so each test starts from nothing with ids from 1."""
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name != "postgresql":
        for table in reversed(tables):
            db.session.execute(table.delete())
        db.session.commit()
        return

    # TRUNCATE costs a few milliseconds a table, so only tables a test has used
    # (rows, or an id handed out by their sequence) are truncated
    probes = " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\") "
        f'OR (SELECT is_called FROM "{table.name}_id_seq")'
        for table in tables
    )
    used = db.session.scalars(sa.text(probes)).all()
    if used:
        names = ", ".join(f'"{name}"' for name in used)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def redis_client():
    client = Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def make_app(app, backend):
    """Build apps with config overrides, on the same emptied tables as ``app``."""
    built = []

    def make(**overrides):
        app = create_app(backend.config(**overrides))
        built.append(app)
        return app

    yield make
    for app in built:
        dispose(app)


@pytest.fixture(scope="session")
def _shared_app(backend):
    """One app per backend: building an app costs more than most tests."""
    app = create_app(backend.config())
    yield app
    dispose(app)


@pytest.fixture
def app(_shared_app, redis_client):
    """The app on empty tables. No context is pushed: requests get their own."""
    with _shared_app.app_context():
        clean_tables()
    return _shared_app


@pytest.fixture
def app_ctx(app):
    """An app context for tests that work on the database without requests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app):
    """``login_as(role)``: a fresh client signed in as a new user with that role."""

    def login(role, **fields):
        with app.app_context():
            user = factories.user(role=role, **fields)
            email = user.email
        client = app.test_client()
        response = pages.login(client, email, factories.PASSWORD)
        assert response.status_code == 302, pages.text(response)
        return client

    return login


# a signed-in client per role
@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def operator(login_as):
    return login_as("operator")


@pytest.fixture
def viewer(login_as):
    return login_as("viewer")


def run_cli(app, *args, input=None):
    """Run a command as ``flask --app wsgi ...`` would, through Flask's own group."""
    group = FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)
    return app.test_cli_runner().invoke(group, list(args), input=input)
