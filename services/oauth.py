"""The platform side of Re-authorize: where to send the admin, and what came back.

The web routes keep the state in the session; these functions know each platform's
consent URL and code exchange, and write the token calls to the API log.
"""

from adapters import ebay, errors, shopify
from extensions import db
from services.api_log import ApiLogRecorder
from services.platforms import adapter_config


def authorize_url(account, state, redirect_uri):
    config = adapter_config()
    if account.platform == "shopify":
        shop = account.read_credentials().get("shop")
        return shopify.authorization_url(
            shop, config=config, state=state, redirect_uri=redirect_uri
        )
    if account.platform == "ebay":
        return ebay.authorization_url(config, state)
    raise errors.ConfigurationError(f"{account.platform_label} does not use OAuth.")


def complete(account, args, redirect_uri, state):
    """Check the callback and exchange its code; return the :class:`TokenSet`.

    :param state: the state kept in the session when the authorization started; the
        caller has compared it already, and the platform's checks compare it again
        with the platform's own ones (Shopify's signature and shop host).
    """
    config = adapter_config()
    recorder = ApiLogRecorder(account.id)
    try:
        if account.platform == "shopify":
            shop = account.read_credentials().get("shop")
            callback = shopify.check_callback(
                args, config=config, state=state, shop=shop
            )
            return shopify.exchange_code(
                callback.shop, callback.code, config=config, recorder=recorder
            )
        if account.platform == "ebay":
            code = ebay.read_callback(args, state)
            return ebay.exchange_code(config, code, recorder=recorder)
        raise errors.ConfigurationError(f"{account.platform_label} does not use OAuth.")
    finally:
        recorder.flush()
        db.session.commit()
