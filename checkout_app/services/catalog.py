"""The catalog the shop's home page lists."""

from __future__ import annotations

from checkout_app.db.catalog_listing import CatalogListing, Listing
from checkout_app.services.shop import Shop


def items_for_sale(shop: Shop) -> list[Listing]:
    """Active courses and digital products, then upcoming events with their seats left."""
    with shop.uow() as uow:
        return CatalogListing(uow.session).for_sale()
