"""The sandbox application."""

import logging

from flask import Flask

from sandbox import control
from sandbox.platform import record
from sandbox.world import World

logger = logging.getLogger(__name__)

DEFAULT_SEED = 20261204


def _platforms():
    from sandbox import ebay, shopify, woocommerce

    return {p.name: p for p in (shopify.PLATFORM, woocommerce.PLATFORM, ebay.PLATFORM)}


def create_app(seed=DEFAULT_SEED, platforms=None):
    app = Flask(__name__)
    app.config["SANDBOX_SEED"] = seed
    app.config["SANDBOX_WORLD"] = World()
    app.config["SANDBOX_PLATFORMS"] = platforms or _platforms()
    for platform in app.config["SANDBOX_PLATFORMS"].values():
        app.register_blueprint(platform.blueprint)
    app.register_blueprint(control.bp)
    app.after_request(record)
    control.reseed(app)
    return app
