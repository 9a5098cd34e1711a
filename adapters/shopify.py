"""Shopify: OAuth install per shop, a mapping table of variants, GraphQL stock."""

from adapters.base import OAUTH, TABLE, Capabilities, CredentialField, PlatformSpec
from adapters.registry import register
from adapters.validation import normalise_shop_host


def _check(values, production=False):
    host = normalise_shop_host(values.get("shop"))
    if host is None:
        return {
            "shop": "Shop must be a Shopify host such as my-store.myshopify.com "
            "(letters, digits and hyphens before .myshopify.com)."
        }
    values["shop"] = host
    return {}


SPEC = register(
    PlatformSpec(
        name="shopify",
        label="Shopify",
        capabilities=Capabilities(
            auth_type=OAUTH,
            mapping_mode=TABLE,
            stock_batch=250,
            rate_limit="leaky bucket of 40 calls draining 2 a second",
        ),
        credential_fields=(
            CredentialField("shop", "Shop", help="The shop's my-store.myshopify.com host."),
            CredentialField(
                "access_token",
                "Access token",
                secret=True,
                required=False,
                help="Filled in by Re-authorize; type one only for a custom app.",
            ),
            CredentialField("refresh_token", "Refresh token", secret=True, required=False),
        ),
        check_credentials=_check,
    )
)
