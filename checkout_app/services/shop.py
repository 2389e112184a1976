"""The collaborators every use case receives: cart store, database, Stripe and settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from checkout_app.adapters.cart_store import CartStore
from checkout_app.adapters.checkout_run import CheckoutRedis
from checkout_app.adapters.gateway import StripeGateway
from checkout_app.adapters.identity import IdentityVerifier
from checkout_app.adapters.locks import Locks
from checkout_app.adapters.stripe_attempts import StripeAttempts
from checkout_app.db.checkout_store import CheckoutStore
from checkout_app.db.uow import UnitOfWork
from checkout_app.shop_settings import ShopSettings


@dataclass(frozen=True)
class Shop:
    carts: CartStore
    session_factory: sessionmaker[Session]
    gateway: StripeGateway
    settings: ShopSettings
    locks: Locks
    attempts: StripeAttempts
    identity: IdentityVerifier
    checkout_db: CheckoutStore
    checkout_redis: CheckoutRedis

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (one per use, so threads never share a session)."""
        return UnitOfWork(self.session_factory)
