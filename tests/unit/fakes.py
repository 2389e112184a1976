"""In-memory fakes of the services' Protocols (services/ports.py): no servers, state to check."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from types import TracebackType
from typing import Any

from checkout_app.adapters.checkout_run import CheckoutRun
from checkout_app.adapters.gateway import CheckoutSession
from checkout_app.adapters.stripe_params import SessionRequest
from checkout_app.db.checkout_store import CheckoutRead
from checkout_app.db.models import Order
from checkout_app.db.outbox import Notice
from checkout_app.db.repository import Holder, OpenCheckout, PendingOrder
from checkout_app.domain.cart import Cart, CartKey, session_hash
from checkout_app.domain.enums import OrderStatus
from checkout_app.domain.pricing import CatalogEntry
from checkout_app.errors import ItemsUnavailable
from checkout_app.shop_settings import ShopSettings


def pending_order(total: str = "49.00", currency: str = "usd") -> Order:
    """A pending order as checkout leaves it, with its Checkout Session id."""
    order_id = uuid.uuid4()
    return Order(
        id=order_id,
        status=OrderStatus.PENDING,
        subtotal=Decimal(total),
        tax=Decimal("0.00"),
        total_amount=Decimal(total),
        currency=currency,
        stripe_checkout_session_id=f"cs_test_{order_id.hex}",
        awaiting_payment=False,
        needs_review=False,
        review_reason=None,
    )


def session_for(order: Order, **changes: Any) -> CheckoutSession:
    """The Checkout Session Stripe would report for `order`, paid in full unless changed."""
    session = CheckoutSession(
        id=order.stripe_checkout_session_id or "",
        url=f"https://checkout.stripe.test/c/pay/{order.stripe_checkout_session_id}",
        status="complete",
        payment_status="paid",
        amount_total=int(order.total_amount * 100),
        currency=order.currency,
        payment_intent_id="pi_test_1",
        order_reference=str(order.id),
        client_reference_id=str(order.id),
        expires_at=None,
    )
    return dataclasses.replace(session, **changes)


class FakeFulfilment:
    """FulfilmentStore over a dict of orders; records what it was asked to do."""

    def __init__(self, *orders: Order, items: list[Any] | None = None) -> None:
        self.orders = {order.id: order for order in orders}
        self.items = items or []
        self.phones: dict[uuid.UUID | None, str] = {}
        self.completed: list[uuid.UUID] = []
        self.cancelled: list[uuid.UUID] = []
        self.flagged: list[tuple[uuid.UUID, str]] = []

    def lock(self, order_id: uuid.UUID) -> Order | None:
        return self.orders.get(order_id)

    def complete(self, order: Order, payment_intent_id: str | None) -> None:
        order.complete(payment_intent_id)
        self.completed.append(order.id)

    def cancel(self, order: Order) -> None:
        order.cancel()
        self.cancelled.append(order.id)

    def flag(self, order: Order, reason: str) -> None:
        order.flag(reason)
        self.flagged.append((order.id, reason))

    def pending_before(self, cutoff: Any, now: Any, limit: int) -> list[tuple[uuid.UUID, str, Any]]:
        pending = [o for o in self.orders.values() if o.status is OrderStatus.PENDING]
        rows = [(o.id, o.stripe_checkout_session_id or "", o.seats_held_until) for o in pending]
        return rows[:limit]

    def seats_booked(self, order_id: uuid.UUID) -> dict[uuid.UUID, int]:
        return {}

    def bought_lines(self, order_id: uuid.UUID) -> tuple[str | None, list[str]]:
        return None, []

    def bought_items(self, order_id: uuid.UUID) -> list[Any]:
        return list(self.items)

    def phone(self, user_id: uuid.UUID | None) -> str | None:
        return self.phones.get(user_id)


class FakeOutbox:
    """NoticeQueue: keeps one message per dedupe key, like the table's unique index."""

    def __init__(self) -> None:
        self.queued: dict[str, Notice] = {}

    def queue(self, notices: Sequence[Notice]) -> None:
        for notice in notices:
            self.queued.setdefault(notice.dedupe_key, notice)


class FakeSeats:
    """SeatCounter with room for everything."""

    def hold_seats(self, wanted: dict[uuid.UUID, int]) -> None:
        return None


class FakeUnitOfWork:
    """FulfilmentWork: commits are counted; leaving without commit changes nothing here."""

    def __init__(self, fulfilment: FakeFulfilment, outbox: FakeOutbox | None = None) -> None:
        self.fulfilment = fulfilment
        self.catalog = FakeSeats()
        self.outbox = outbox or FakeOutbox()
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


class FakeGateway:
    """PaymentGateway over a dict of sessions, as Stripe would hold them."""

    def __init__(self, *sessions: CheckoutSession) -> None:
        self.sessions = {session.id: session for session in sessions}
        self.expired: list[str] = []
        self.create_error: Exception | None = None  # what the next create raises

    def session_params(self, request: SessionRequest) -> dict[str, Any]:
        return {"client_reference_id": str(request.order_id)}

    def create_checkout_session(
        self, order_id: uuid.UUID, params: dict[str, Any]
    ) -> CheckoutSession:
        if self.create_error is not None:
            raise self.create_error
        session = CheckoutSession(
            f"cs_test_{order_id.hex}",
            "https://pay.test",
            "open",
            "unpaid",
            0,
            "usd",
            None,
            expires_at=int(time.time()) + 1800,
        )
        self.sessions[session.id] = session
        return session

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return self.sessions[session_id]

    def expire_checkout_session(self, session_id: str) -> bool:
        self.expired.append(session_id)
        self.sessions[session_id] = dataclasses.replace(
            self.sessions[session_id], status="expired", url=None
        )
        return True


class FakeCartStore:
    """CartStorage over a dict of carts by session id."""

    def __init__(self, *carts: Cart) -> None:
        self.carts = {cart.session_id: cart for cart in carts}
        self.removed: list[tuple[str, list[str]]] = []

    def load(self, session_id: str, cart_hash: str | None = None) -> Cart | None:
        return None if cart_hash else self.carts.get(session_id)

    def moved_to(self, session_id: str) -> str | None:
        return None

    def remove_by_hash(self, cart_hash: str, fields: list[str]) -> None:
        self.removed.append((cart_hash, fields))


@dataclasses.dataclass
class FakeShop:
    """FulfilmentShop: the fakes wired together."""

    gateway: FakeGateway
    fulfilment: FakeFulfilment
    carts: FakeCartStore = dataclasses.field(default_factory=FakeCartStore)
    outbox: FakeOutbox = dataclasses.field(default_factory=FakeOutbox)
    settings: ShopSettings = dataclasses.field(
        default_factory=lambda: ShopSettings(Decimal("0"), "usd", "https://shop.test", frozenset())
    )

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.fulfilment, self.outbox)


class FakeCheckoutRedis:
    """CheckoutRedis over dicts: carts by session id, held locks, and what each run left."""

    def __init__(self, *carts: Cart, seats_in_flight: int = 0) -> None:
        self.carts: dict[str, Cart] = {cart.session_id: cart for cart in carts}
        self.moved: dict[str, str] = {}
        self.locks: set[str] = set()
        self.seats_in_flight = seats_in_flight
        self.attempts: dict[str, tuple[str, dict[str, Any]]] = {}
        self.rotating: dict[str, str] = {}  # session id -> the hash its checkout writes under
        self.finished: list[CheckoutRun] = []
        self.die_before_finish = False  # the worker is killed: no clean-up runs, no answer

    @contextmanager
    def run(
        self,
        session_id: str,
        lock_name: str,
        wait_seconds: float,
        check: Callable[[Cart | None], Cart],
    ) -> Iterator[CheckoutRun]:
        cart = check(self.carts.get(session_id))
        assert lock_name not in self.locks, "one checkout per shopper at a time"
        self.locks.add(lock_name)
        moved, rotating = self.moved.get(session_id), self.rotating.get(session_id)
        state = CheckoutRun(cart, moved, lock_name, "token", rotating)
        try:
            yield state
        finally:
            self.locks.discard(lock_name)  # a dead worker's lease lapses
            if not self.die_before_finish:
                self._finish(session_id, state)

    def _finish(self, session_id: str, state: CheckoutRun) -> None:
        if state.retire_to is not None:
            self.carts.pop(session_id)
            self.moved[session_id] = state.retire_to
        elif state.copy_key is not None:
            self.carts.pop(state.copy_key)
        if state.retire_to is not None or state.rotation_settled:
            self.rotating.pop(session_id, None)
        if state.forget_attempt and state.attempt is not None:
            del self.attempts[state.attempt]
        self.finished.append(state)

    def prepare(
        self,
        state: CheckoutRun,
        claim_id: str,
        wanted: dict[uuid.UUID, int],
        seats_left: dict[uuid.UUID, int],
        ttl_seconds: float,
        copy_to: str | None,
        attempt: tuple[uuid.UUID, str, dict[str, Any]],
    ) -> None:
        if copy_to is not None:
            self.carts[copy_to] = dataclasses.replace(state.cart, session_id=copy_to)
            self.rotating[state.cart.session_id] = session_hash(copy_to)
            state.copy_key = copy_to
        order_id, cart_hash, params = attempt
        self.attempts[str(order_id)] = (cart_hash, params)
        state.attempt = str(order_id)
        if any(self.seats_in_flight + n > seats_left[e] for e, n in wanted.items()):
            state.forget_attempt = True
            raise ItemsUnavailable(detail="seats claimed by checkouts in flight")
        state.claims = [(str(e), f"{claim_id}:{n}") for e, n in wanted.items()]


class FakeCheckoutDb:
    """CheckoutDatabase over a catalog dict and a list of placed orders."""

    def __init__(self, *entries: CatalogEntry, users: Sequence[uuid.UUID] = ()) -> None:
        self.entries = {entry.key: entry for entry in entries}
        self.users = set(users)
        self.orders: list[PendingOrder] = []
        self.cancelled: list[uuid.UUID] = []
        self.reads = 0
        self.refuse: Exception | None = None

    def read(
        self,
        cart_hash: str,
        user_id: uuid.UUID | None,
        keys: Iterable[CartKey],
        holder: Holder,
    ) -> CheckoutRead:
        self.reads += 1
        open_ = [
            OpenCheckout(
                o.id,
                o.checkout_fingerprint,
                o.stripe_checkout_session_id,
                o.stripe_checkout_url,
                o.stripe_session_expires_at,
                o.seats_held_until,
            )
            for o in reversed(self.orders)
            if o.cart_session_hash == cart_hash and o.id not in self.cancelled
        ]
        entries = {k: self.entries[k] for k in keys if k in self.entries}
        return CheckoutRead(user_id in self.users, open_, entries)

    def place(
        self,
        order: PendingOrder,
        superseded: Iterable[uuid.UUID],
        holder: Holder,
        hold_limit: int,
    ) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.cancelled.extend(superseded)
        self.orders.append(order)

    def adopt(self, from_hash: str, to_hash: str) -> list[uuid.UUID]:
        moved = [
            i
            for i, o in enumerate(self.orders)
            if o.cart_session_hash == from_hash and o.id not in self.cancelled
        ]
        for i in moved:
            self.orders[i] = dataclasses.replace(self.orders[i], cart_session_hash=to_hash)
        return [self.orders[i].id for i in moved]


class FakeIdentity:
    """IdentityCheck: a token is the user id it proves."""

    def user_id(self, token: str | None) -> uuid.UUID | None:
        return uuid.UUID(token) if token else None


@dataclasses.dataclass
class FakeCheckoutShop:
    """CheckoutPorts: the checkout's fakes wired together."""

    checkout_redis: FakeCheckoutRedis
    checkout_db: FakeCheckoutDb
    gateway: FakeGateway = dataclasses.field(default_factory=FakeGateway)
    identity: FakeIdentity = dataclasses.field(default_factory=FakeIdentity)
    settings: ShopSettings = dataclasses.field(
        default_factory=lambda: ShopSettings(
            Decimal("0.10"), "usd", "https://shop.test", frozenset({"https://shop.test"})
        )
    )
