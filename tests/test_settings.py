"""Settings from the environment: junk is refused with a sentence; secrets required."""

import stat

import pytest

import settings
from settings import SettingsError
from tests.conftest import CREDENTIALS_KEY, OTHER_CREDENTIALS_KEY, SECRET_KEY
from wsgi import create_app

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": SECRET_KEY,
    "CREDENTIALS_KEY": CREDENTIALS_KEY,
    "DATABASE_URL": "postgresql://ecadmin@127.0.0.1/ecadmin",
}


def load(tmp_path, **environ):
    return settings.load(environ=environ, instance_path=str(tmp_path))


def refusal(tmp_path, **environ):
    with pytest.raises(SettingsError) as caught:
        load(
            tmp_path,
            **{"SECRET_KEY": SECRET_KEY, "CREDENTIALS_KEY": CREDENTIALS_KEY, **environ},
        )
    return str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "mysql://root@127.0.0.1/ecadmin",
        "postgresql+psycopg2://u@127.0.0.1/db",
        "not a url",
        "postgres",
        "sqlite",
        "ecadmin.sqlite3",
    ],
    ids=["mysql", "psycopg2", "words", "bare-postgres", "bare-sqlite", "file-name"],
)
def test_database_url_with_an_unknown_scheme_is_refused(tmp_path, value):
    message = refusal(tmp_path, DATABASE_URL=value)

    assert message.startswith("DATABASE_URL")
    assert "postgresql://user@host/db" in message


@pytest.mark.parametrize(
    "value, expected",
    [
        ("postgres://u@127.0.0.1/db", "postgresql+psycopg://u@127.0.0.1/db"),
        ("postgresql://u@127.0.0.1/db", "postgresql+psycopg://u@127.0.0.1/db"),
        ("postgresql+psycopg://u@127.0.0.1/db", "postgresql+psycopg://u@127.0.0.1/db"),
        ("sqlite:////var/lib/ecadmin.sqlite3", "sqlite:////var/lib/ecadmin.sqlite3"),
    ],
    ids=["postgres-scheme", "postgresql-scheme", "psycopg-scheme", "sqlite-file"],
)
def test_database_url_accepts_postgresql_and_sqlite(tmp_path, value, expected):
    config = load(
        tmp_path,
        DATABASE_URL=value,
        SECRET_KEY=SECRET_KEY,
        CREDENTIALS_KEY=CREDENTIALS_KEY,
    )

    assert config["SQLALCHEMY_DATABASE_URI"] == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("http://127.0.0.1:6379/0", "must start with redis://"),
        ("127.0.0.1:6379", "must start with redis://"),
        ("redis://:hunter2@127.0.0.1:port/0", "port that is not a number"),
        ("redis://127.0.0.1:99999/0", "port that is not a number"),
        ("redis://127.0.0.1:6379/first", "must end in a database number"),
    ],
)
def test_redis_url_junk_is_refused(tmp_path, value, fragment):
    message = refusal(tmp_path, REDIS_URL=value)

    assert message.startswith("REDIS_URL")
    assert fragment in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "value",
    ["redis://127.0.0.1:6379/2", "rediss://:pw@127.0.0.1:6380", "unix:///tmp/r.sock"],
)
def test_redis_url_accepts_redis_rediss_and_unix(tmp_path, value):
    assert (
        load(
            tmp_path,
            REDIS_URL=value,
            SECRET_KEY=SECRET_KEY,
            CREDENTIALS_KEY=CREDENTIALS_KEY,
        )["REDIS_URL"]
        == value
    )


def test_redis_url_defaults_to_the_local_server(tmp_path):
    config = load(tmp_path, SECRET_KEY=SECRET_KEY, CREDENTIALS_KEY=CREDENTIALS_KEY)

    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    "value, position",
    [
        ("not-a-key", 1),
        ("c2hvcnQ=", 1),
        (f"{CREDENTIALS_KEY},{CREDENTIALS_KEY[:-2]}", 2),
    ],
)
def test_credentials_key_that_is_not_fernet_is_refused(tmp_path, value, position):
    message = refusal(tmp_path, CREDENTIALS_KEY=value)

    assert f"CREDENTIALS_KEY item {position} is not a Fernet key" in message
    # the message must not repeat the key material it refused
    assert value.split(",")[-1] not in message


def test_credentials_key_list_keeps_its_order(tmp_path):
    config = load(
        tmp_path,
        SECRET_KEY=SECRET_KEY,
        CREDENTIALS_KEY=f" {OTHER_CREDENTIALS_KEY} , {CREDENTIALS_KEY} ",
    )

    assert config["CREDENTIALS_KEYS"] == [OTHER_CREDENTIALS_KEY, CREDENTIALS_KEY]


def test_credentials_key_of_only_commas_is_refused(tmp_path):
    assert "holds no key" in refusal(tmp_path, CREDENTIALS_KEY=" , ")


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("{shopify: http://127.0.0.1}", "not valid JSON"),
        ('["http://127.0.0.1:8001"]', "must be a JSON object"),
        ('{"shopify": 8001}', "must be a JSON object"),
        ('{"shopify": "ftp://127.0.0.1/"}', "must be an http(s) URL"),
    ],
)
def test_platform_base_urls_junk_is_refused(tmp_path, value, fragment):
    message = refusal(tmp_path, PLATFORM_BASE_URLS=value)

    assert message.startswith("PLATFORM_BASE_URLS")
    assert fragment in message


def test_platform_base_urls_are_read(tmp_path):
    config = load(
        tmp_path,
        SECRET_KEY=SECRET_KEY,
        CREDENTIALS_KEY=CREDENTIALS_KEY,
        PLATFORM_BASE_URLS='{"shopify": "http://127.0.0.1:8001/shopify/{shop}"}',
    )

    assert config["PLATFORM_BASE_URLS"] == {
        "shopify": "http://127.0.0.1:8001/shopify/{shop}"
    }


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5"])
def test_api_log_retention_must_be_a_positive_whole_number(tmp_path, value):
    message = refusal(tmp_path, API_LOG_RETENTION_DAYS=value)

    assert message == (
        f"API_LOG_RETENTION_DAYS must be a whole number of 1 or more; got {value!r}."
    )


def test_unknown_environment_is_refused(tmp_path):
    assert "APP_ENV is 'staging'" in refusal(tmp_path, APP_ENV="staging")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CREDENTIALS_KEY"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}

    with pytest.raises(
        SettingsError, match=f"{missing} must be set when APP_ENV=production"
    ):
        load(tmp_path, **environ)

    # nothing was generated in its place
    assert list(tmp_path.iterdir()) == []


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load(tmp_path, **{**PRODUCTION, "SECRET_KEY": "short"})


def test_production_app_refuses_to_start_without_credentials_key(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CREDENTIALS_KEY")

    with pytest.raises(SettingsError, match="CREDENTIALS_KEY must be set"):
        create_app()


def test_production_settings_secure_the_session_cookie(tmp_path):
    config = load(tmp_path, **PRODUCTION)

    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_generates_its_keys_under_the_instance_path(tmp_path):
    first = load(tmp_path)

    key_file = tmp_path / "credentials_key"
    secret_file = tmp_path / "secret_key"
    assert first["CREDENTIALS_KEYS"] == [key_file.read_text().strip()]
    assert first["SECRET_KEY"] == secret_file.read_text().strip()
    assert (
        first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ecadmin.sqlite3'}"
    )
    for path in (key_file, secret_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # a restart reads the same keys, so stored credentials stay readable
    second = load(tmp_path)
    assert second["CREDENTIALS_KEYS"] == first["CREDENTIALS_KEYS"]
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
