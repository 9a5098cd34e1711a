"""eBay: OAuth consent per seller, stock by seller SKU without a mapping table."""

from adapters.base import LOOKUP, OAUTH, Capabilities, CredentialField, PlatformSpec
from adapters.registry import register

MARKETPLACES = ("EBAY_US", "EBAY_GB", "EBAY_DE", "EBAY_AU", "EBAY_CA", "EBAY_FR", "EBAY_IT")


def _check(values, production=False):
    marketplace = (values.get("marketplace_id") or "").strip().upper()
    if marketplace not in MARKETPLACES:
        return {
            "marketplace_id": "Marketplace must be one of " + ", ".join(MARKETPLACES) + "."
        }
    values["marketplace_id"] = marketplace
    return {}


SPEC = register(
    PlatformSpec(
        name="ebay",
        label="eBay",
        capabilities=Capabilities(
            auth_type=OAUTH,
            mapping_mode=LOOKUP,
            stock_batch=25,
            rate_limit="daily per-application quotas",
        ),
        credential_fields=(
            CredentialField(
                "marketplace_id", "Marketplace", default="EBAY_US", help="e.g. EBAY_US"
            ),
            CredentialField(
                "refresh_token",
                "Refresh token",
                secret=True,
                required=False,
                help="Filled in by Re-authorize.",
            ),
        ),
        check_credentials=_check,
    )
)
