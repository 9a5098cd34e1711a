"""Application settings, each read from one environment variable.

Every value goes through a small parser that refuses junk with a sentence saying what
was wrong and what is accepted. Development gets working defaults (a SQLite file and a
generated key under ``instance/``); production refuses to start without its secrets.
"""

import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

logger = logging.getLogger(__name__)

ENVIRONMENTS = ("development", "production", "test")

APP_VARIABLES = {
    "shopify": {
        "client_id": "SHOPIFY_CLIENT_ID",
        "client_secret": "SHOPIFY_CLIENT_SECRET",
    },
    "ebay": {
        "client_id": "EBAY_CLIENT_ID",
        "client_secret": "EBAY_CLIENT_SECRET",
        "ru_name": "EBAY_RU_NAME",
    },
}
SANDBOX_APPS = {
    "SHOPIFY_CLIENT_ID": "demo-shopify-app",
    "SHOPIFY_CLIENT_SECRET": "demo-shopify-app-secret-0001",
    "EBAY_CLIENT_ID": "demo-ebay-app",
    "EBAY_CLIENT_SECRET": "demo-ebay-app-secret-0001",
    "EBAY_RU_NAME": "demo-ebay-runame",
}


class SettingsError(Exception):
    """An environment variable holds a value the application cannot use."""


def _environment(value):
    value = (value or "development").strip().lower()
    if value not in ENVIRONMENTS:
        raise SettingsError(
            f"APP_ENV is {value!r}; accepted values are {', '.join(ENVIRONMENTS)}."
        )
    return value


def _database_url(value, instance_path):
    if not value:
        return f"sqlite:///{Path(instance_path) / 'ecadmin.sqlite3'}"
    scheme, separator, rest = value.partition("://")
    scheme = scheme.lower()
    if separator and scheme in ("postgres", "postgresql"):
        # psycopg 3 is the installed driver; accept the bare scheme for convenience
        return "postgresql+psycopg://" + rest
    if separator and scheme in ("postgresql+psycopg", "sqlite"):
        return value
    # the value itself may hold a password, so only its scheme is repeated
    found = f"has the scheme {scheme!r}" if separator else "is not a URL"
    raise SettingsError(
        f"DATABASE_URL {found}; use postgresql://user@host/db "
        "or sqlite:///path/to/file.sqlite3."
    )


def _redis_url(value):
    value = value or "redis://127.0.0.1:6379/0"
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        # only the scheme is repeated: the rest may hold a password
        raise SettingsError(
            "REDIS_URL must start with redis://, rediss:// or unix://; got "
            f"{(parts.scheme or value.split(':', 1)[0])!r}."
        )
    try:
        parts.port
    except ValueError:
        # the message repeats host and port only, never a password before them
        address = parts.netloc.rpartition("@")[2]
        raise SettingsError(
            f"REDIS_URL has a port that is not a number up to 65535: {address!r}."
        ) from None
    database = parts.path.strip("/")
    if parts.scheme != "unix" and database and not database.isdigit():
        # redis-py would silently use database 0 instead
        raise SettingsError(
            f"REDIS_URL must end in a database number such as /0; got {database!r}."
        )
    return value


def _fernet_keys(value):
    keys = [key.strip() for key in value.split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SettingsError(
                f"CREDENTIALS_KEY item {position} is not a Fernet key; each key is 32 "
                "url-safe base64-encoded bytes, as printed by "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            ) from None
    if not keys:
        raise SettingsError("CREDENTIALS_KEY is set but holds no key.")
    return keys


def _positive_int(name, value, default):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(
            f"{name} must be a whole number of 1 or more; got {value!r}."
        )
    return number


def _api_version(value):
    value = (value or "2026-10").strip()
    year, _, month = value.partition("-")
    if not (year.isdigit() and len(year) == 4 and month in ("01", "04", "07", "10")):
        raise SettingsError(
            f"SHOPIFY_API_VERSION must be a quarterly version such as 2026-10; got "
            f"{value!r}."
        )
    return value


def _base_urls(value):
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise SettingsError(
            f"PLATFORM_BASE_URLS is not valid JSON ({error}); expected an object like "
            '{"shopify": "http://127.0.0.1:8001/shopify/{shop}"}.'
        ) from None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise SettingsError(
            "PLATFORM_BASE_URLS must be a JSON object mapping platform names to URL "
            "strings."
        )
    for platform, url in parsed.items():
        if urlsplit(url).scheme not in ("http", "https"):
            raise SettingsError(
                f"PLATFORM_BASE_URLS[{platform!r}] must be an http(s) URL; got {url!r}."
            )
    return parsed


def _generated_secret(path, make, what):
    """Read a development secret from ``path``, creating it on first use."""
    path = Path(path)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # made private before the secret is written, so others never read it
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    path.chmod(0o600)
    logger.warning(
        "generated a development %s in %s; set it for production", what, path
    )
    return value


def load(environ=None, instance_path="instance"):
    """Return the settings as a mapping for ``app.config``.

    :raises SettingsError: when a variable holds junk or a production secret is missing.
    """
    environ = os.environ if environ is None else environ
    env = _environment(environ.get("APP_ENV"))
    production = env == "production"

    secret_key = environ.get("SECRET_KEY", "").strip()
    if not secret_key:
        if production:
            raise SettingsError("SECRET_KEY must be set when APP_ENV=production.")
        secret_key = _generated_secret(
            Path(instance_path) / "secret_key",
            lambda: secrets.token_hex(32),
            "SECRET_KEY",
        )
    elif production and len(secret_key) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters in production.")

    raw_keys = environ.get("CREDENTIALS_KEY", "").strip()
    if not raw_keys:
        if production:
            raise SettingsError(
                "CREDENTIALS_KEY must be set when APP_ENV=production; it encrypts the "
                "platform credentials stored in the database."
            )
        raw_keys = _generated_secret(
            Path(instance_path) / "credentials_key",
            lambda: Fernet.generate_key().decode(),
            "CREDENTIALS_KEY",
        )

    # outside production the OAuth apps default to the platform sandbox's demo apps
    demo = {} if production else SANDBOX_APPS
    apps = {
        platform: {
            name: environ.get(variable, "").strip() or demo.get(variable, "")
            for name, variable in variables.items()
        }
        for platform, variables in APP_VARIABLES.items()
    }

    return {
        "APP_ENV": env,
        "PLATFORM_APPS": apps,
        "SHOPIFY_API_VERSION": _api_version(environ.get("SHOPIFY_API_VERSION")),
        "SHOPIFY_STOCK_BATCH": _positive_int(
            "SHOPIFY_STOCK_BATCH", environ.get("SHOPIFY_STOCK_BATCH"), 250
        ),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(
            environ.get("DATABASE_URL", "").strip(), instance_path
        ),
        "REDIS_URL": _redis_url(environ.get("REDIS_URL", "").strip()),
        "CREDENTIALS_KEYS": _fernet_keys(raw_keys),
        "PLATFORM_BASE_URLS": _base_urls(environ.get("PLATFORM_BASE_URLS", "").strip()),
        "INITIAL_FETCH_DAYS": _positive_int(
            "INITIAL_FETCH_DAYS", environ.get("INITIAL_FETCH_DAYS"), 14
        ),
        "API_LOG_RETENTION_DAYS": _positive_int(
            "API_LOG_RETENTION_DAYS", environ.get("API_LOG_RETENTION_DAYS"), 30
        ),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
