"""Narrow interfaces the use cases depend on: adapters and db provide them, unit tests fake them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from checkout_app.adapters.checkout_run import CheckoutRun
from checkout_app.adapters.gateway import CheckoutSession
from checkout_app.adapters.stripe_params import SessionRequest
from checkout_app.db.checkout_store import CheckoutRead
from checkout_app.db.models import Order
from checkout_app.db.outbox import Notice
from checkout_app.db.repository import Holder, PendingOrder
from checkout_app.domain.cart import Cart, CartKey
from checkout_app.shop_settings import ShopSettings


class PaymentGateway(Protocol):
    """Stripe Checkout Sessions (adapters/gateway.py); failures raise PaymentUnavailable."""

    def session_params(self, request: SessionRequest) -> dict[str, Any]: ...

    def create_checkout_session(
        self, order_id: uuid.UUID, params: dict[str, Any]
    ) -> CheckoutSession: ...

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession: ...

    def expire_checkout_session(self, session_id: str) -> bool: ...


class CartStorage(Protocol):
    """Carts by session (adapters/cart_store.py)."""

    def load(self, session_id: str, cart_hash: str | None = None) -> Cart | None: ...

    def moved_to(self, session_id: str) -> str | None: ...

    def remove_by_hash(self, cart_hash: str, fields: list[str]) -> None: ...


# (item type, title, quantity, unit price or refunded amount), as the repositories read them.
Line = tuple[str, str, int, Decimal]


class PurchaseReads(Protocol):
    """What a confirmation reads of a paid order (db/fulfilment_repository.py)."""

    def bought_items(self, order_id: uuid.UUID) -> list[Line]: ...

    def phone(self, user_id: uuid.UUID | None) -> str | None: ...


class RefundReads(Protocol):
    """What a refund notice reads of a refund (db/refund_repository.py)."""

    def lines(self, refund_id: uuid.UUID) -> list[Line]: ...


class NoticeQueue(Protocol):
    """The outbox (db/outbox.py): messages written in the caller's transaction."""

    def queue(self, notices: Sequence[Notice]) -> None: ...


class FulfilmentStore(PurchaseReads, Protocol):
    """Order transitions and their side effects (db/fulfilment_repository.py)."""

    def lock(self, order_id: uuid.UUID) -> Order | None: ...

    def complete(self, order: Order, payment_intent_id: str | None) -> None: ...

    def cancel(self, order: Order) -> None: ...

    def flag(self, order: Order, reason: str) -> None: ...

    def pending_before(
        self, cutoff: Any, now: Any, limit: int
    ) -> list[tuple[uuid.UUID, str, Any]]: ...

    def seats_booked(self, order_id: uuid.UUID) -> dict[uuid.UUID, int]: ...


class SeatCounter(Protocol):
    """Event seats under their row locks (db/repository.py CatalogRepository)."""

    def hold_seats(self, wanted: dict[uuid.UUID, int]) -> None: ...

    def bought_lines(self, order_id: uuid.UUID) -> tuple[str | None, list[str]]: ...


class FulfilmentWork(Protocol):
    """A unit of work as fulfilment uses it: `with uow:`, its repository, an explicit commit."""

    @property
    def fulfilment(self) -> FulfilmentStore: ...

    @property
    def catalog(self) -> SeatCounter: ...

    @property
    def outbox(self) -> NoticeQueue: ...

    def __enter__(self) -> FulfilmentWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class CheckoutDatabase(Protocol):
    """The checkout's read and write, one round trip each (db/checkout_store.py)."""

    def read(
        self,
        cart_hash: str,
        user_id: uuid.UUID | None,
        keys: Iterable[CartKey],
        holder: Holder,
    ) -> CheckoutRead: ...

    def place(
        self,
        order: PendingOrder,
        superseded: Iterable[uuid.UUID],
        holder: Holder,
        hold_limit: int,
    ) -> None: ...

    def adopt(self, from_hash: str, to_hash: str) -> list[uuid.UUID]: ...


class CheckoutRedis(Protocol):
    """The checkout's lock, cart, seat claims and create record (adapters/checkout_run.py)."""

    def run(
        self,
        session_id: str,
        lock_name: str,
        wait_seconds: float,
        check: Callable[[Cart | None], Cart],
    ) -> AbstractContextManager[CheckoutRun]: ...

    def prepare(
        self,
        state: CheckoutRun,
        claim_id: str,
        wanted: dict[uuid.UUID, int],
        seats_left: dict[uuid.UUID, int],
        ttl_seconds: float,
        copy_to: str | None,
        attempt: tuple[uuid.UUID, str, dict[str, Any]],
    ) -> None: ...


class IdentityCheck(Protocol):
    """Who a bearer identity token proves the caller to be (adapters/identity.py)."""

    def user_id(self, token: str | None) -> uuid.UUID | None: ...


class CheckoutPorts(Protocol):
    """What a checkout needs: Redis, the database, Stripe, identity proofs and settings."""

    @property
    def checkout_redis(self) -> CheckoutRedis: ...

    @property
    def checkout_db(self) -> CheckoutDatabase: ...

    @property
    def gateway(self) -> PaymentGateway: ...

    @property
    def identity(self) -> IdentityCheck: ...

    @property
    def settings(self) -> ShopSettings: ...


class FulfilmentShop(Protocol):
    """What reconciling stale orders needs: Stripe, the carts and units of work."""

    @property
    def gateway(self) -> PaymentGateway: ...

    @property
    def carts(self) -> CartStorage: ...

    @property
    def settings(self) -> ShopSettings: ...

    def uow(self) -> FulfilmentWork: ...
