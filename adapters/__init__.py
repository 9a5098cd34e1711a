"""Platform adapters: one module per platform, each registering its declaration."""

from adapters import ebay, shopify, woocommerce  # noqa: F401  (registers the platforms)
from adapters.registry import all_specs, choices, get  # noqa: F401
