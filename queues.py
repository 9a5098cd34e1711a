"""The Redis connection and RQ queues, shared by the web app and the workers."""

from redis import Redis

DEFAULT_QUEUE = "default"
SOCKET_TIMEOUT_SECONDS = 5


def redis_connection(app):
    """One client per app, created on first use."""
    client = app.extensions.get("redis")
    if client is None:
        client = Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        app.extensions["redis"] = client
    return client


RESULT_TTL = 24 * 3600
FAILURE_TTL = 7 * 24 * 3600


def queue(app, name=DEFAULT_QUEUE):
    from rq import Queue

    return Queue(name, connection=redis_connection(app))
