"""Logging for the web and worker entry points: one format, set up once."""

import logging
import os

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level=None):
    level = level or os.environ.get("LOG_LEVEL", "INFO").upper()
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=FORMAT)
    else:
        root.setLevel(level)
    # urllib3 logs every request's URL at debug level, query-string credentials and
    # all (WooCommerce keys may travel that way), so it never logs below info
    logging.getLogger("urllib3").setLevel(max(logging.INFO, root.level))


def init_app(app):
    if not app.testing and app.config.get("APP_ENV") != "test":
        configure()
