"""WooCommerce: consumer key and secret, a mapping table of products and variations."""

from adapters.base import KEY, TABLE, Capabilities, CredentialField, PlatformSpec
from adapters.registry import register
from adapters.validation import check_site_url


def _check(values, production=False):
    errors = {}
    message = check_site_url(values.get("site_url"), production)
    if message:
        errors["site_url"] = message
    else:
        values["site_url"] = values["site_url"].strip().rstrip("/")
    if values.get("consumer_key") and not values["consumer_key"].startswith("ck_"):
        errors["consumer_key"] = "Consumer key starts with ck_ as WooCommerce issues it."
    if values.get("consumer_secret") and not values["consumer_secret"].startswith("cs_"):
        errors["consumer_secret"] = (
            "Consumer secret starts with cs_ as WooCommerce issues it."
        )
    return errors


SPEC = register(
    PlatformSpec(
        name="woocommerce",
        label="WooCommerce",
        capabilities=Capabilities(
            auth_type=KEY,
            mapping_mode=TABLE,
            stock_batch=100,
            rate_limit="none built in; hosts may answer 429",
        ),
        credential_fields=(
            CredentialField(
                "site_url", "Site URL", kind="url", help="https://shop.example.com"
            ),
            CredentialField("consumer_key", "Consumer key", secret=True),
            CredentialField("consumer_secret", "Consumer secret", secret=True),
            CredentialField(
                "query_string_auth",
                "Send keys in the query string",
                kind="bool",
                required=False,
                default=False,
                help="Only for servers that strip the Authorization header.",
            ),
        ),
        check_credentials=_check,
    )
)
