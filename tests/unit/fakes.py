"""In-memory fakes of the services' Protocols (services/ports.py): no servers, state to check."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any

from checkout_app.adapters.gateway import CheckoutSession, SessionRequest
from checkout_app.config import ShopSettings
from checkout_app.db.models import Order
from checkout_app.db.outbox import Notice
from checkout_app.domain.cart import Cart
from checkout_app.domain.enums import OrderStatus


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

    def session_params(self, request: SessionRequest) -> dict[str, Any]:
        return {"client_reference_id": str(request.order_id)}

    def create_checkout_session(
        self, order_id: uuid.UUID, params: dict[str, Any]
    ) -> CheckoutSession:
        session = CheckoutSession(
            f"cs_test_{order_id.hex}", "https://pay.test", "open", "unpaid", 0, "usd", None
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
    """FulfilmentShop and HasCarts: the fakes wired together."""

    gateway: FakeGateway
    fulfilment: FakeFulfilment
    carts: FakeCartStore = dataclasses.field(default_factory=FakeCartStore)
    outbox: FakeOutbox = dataclasses.field(default_factory=FakeOutbox)
    settings: ShopSettings = dataclasses.field(
        default_factory=lambda: ShopSettings(Decimal("0"), "usd", "https://shop.test", frozenset())
    )

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.fulfilment, self.outbox)
