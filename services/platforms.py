"""Where the product meets the adapters: configuration and call recording."""

from flask import current_app

from adapters.base import AdapterConfig


def adapter_config(app=None):
    config = (app or current_app).config
    return AdapterConfig(
        base_urls=config["PLATFORM_BASE_URLS"],
        apps=config["PLATFORM_APPS"],
        stock_batch={"shopify": config["SHOPIFY_STOCK_BATCH"]},
        extra={"shopify_api_version": config["SHOPIFY_API_VERSION"]},
    )
