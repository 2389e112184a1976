"""SQLAlchemy 2.x models: catalog, users, orders, order items, event bookings and refunds."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    func,
    or_,
    text,
)
from sqlalchemy.dialects.postgresql import INET, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from checkout_app.domain.enums import BookingStatus, OrderStatus
from checkout_app.domain.lifecycle import check_move, check_pending

Money = Numeric(10, 2)


class Base(DeclarativeBase):
    pass


def _pg_enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    # E.164 number for WhatsApp booking notices; None means no WhatsApp.
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = _created_at()


class CatalogItem:
    """Columns every sellable item shares."""

    id: Mapped[uuid.UUID] = _uuid_pk()
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Course(CatalogItem, Base):
    __tablename__ = "courses"
    __table_args__ = (CheckConstraint("price >= 0", name="courses_price_nonnegative"),)


class DigitalProduct(CatalogItem, Base):
    __tablename__ = "digital_products"
    __table_args__ = (CheckConstraint("price >= 0", name="digital_products_price_nonnegative"),)


class Event(CatalogItem, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("price >= 0", name="events_price_nonnegative"),
        CheckConstraint("capacity >= 0", name="events_capacity_nonnegative"),
    )

    capacity: Mapped[int] = mapped_column(Integer)
    # Attendees of the event's confirmed bookings, kept by database triggers on bookings
    # (migration 0014), whatever writes them. Never written here.
    seats_confirmed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Attendees of its pending bookings, whatever their hold (migration 0016), kept likewise.
    seats_pending: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    venue: Mapped[str | None] = mapped_column(String(255))


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    customer_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[OrderStatus] = mapped_column(
        _pg_enum(OrderStatus, "order_status"), server_default=OrderStatus.PENDING.value
    )
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # sha256 of the shopper's session id: lets fulfilment clear the right cart
    # without storing the session token itself.
    cart_session_hash: Mapped[str | None] = mapped_column(String(64))
    # What was asked for (cart lines, prices, email, URLs): an identical repeat while
    # the Stripe session is still open gets this order back instead of a second one.
    checkout_fingerprint: Mapped[str | None] = mapped_column(String(64))
    stripe_checkout_url: Mapped[str | None] = mapped_column(Text)
    stripe_session_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The order's pending bookings hold their seats until then (NULL: no bound, older rows):
    # the first checkout's deadline, never renewed by a superseding one; for a delayed payment,
    # DELAYED_PAYMENT_HOLD_HOURS after Stripe said so. Past it the seats count as free again.
    seats_held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # sha256 of the client address that checked out: seat hold limits count per address too.
    client_address_hash: Mapped[str | None] = mapped_column(String(64))
    # Stripe said "complete" but the money has not arrived yet (delayed payment methods).
    awaiting_payment: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    needs_review: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    review_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    def complete(self, payment_intent_id: str | None) -> None:
        """Paid: pending -> completed, keeping Stripe's payment intent."""
        check_move(self.status, OrderStatus.COMPLETED)
        self.status = OrderStatus.COMPLETED
        self.completed_at = func.now()
        self.awaiting_payment = False
        self.stripe_payment_intent_id = payment_intent_id or self.stripe_payment_intent_id

    def cancel(self) -> None:
        """Expired, failed or superseded: pending -> cancelled."""
        check_move(self.status, OrderStatus.CANCELLED)
        self.status = OrderStatus.CANCELLED
        self.cancelled_at = func.now()
        self.awaiting_payment = False

    def await_payment(self) -> None:
        """Stripe says complete but the money is still on its way (delayed payment methods)."""
        check_pending(self.status, "await payment")
        self.awaiting_payment = True

    def flag(self, reason: str) -> None:
        """Hold for a person to review, whatever the status; reasons accumulate."""
        self.needs_review = True
        self.review_reason = "; ".join(filter(None, [self.review_reason, reason]))

    __table_args__ = (
        CheckConstraint("total_amount = subtotal + tax", name="orders_total_is_sum"),
        Index("ix_orders_user_id", "user_id"),
        Index(
            "ix_orders_needs_review_created_at",
            "created_at",
            postgresql_where=text("needs_review"),
        ),
        # A cart's open checkouts (the checkout's read), and its newest order of any status
        # (the page of an emptied cart). The first index's predicate is the read's own, so
        # that even a plan made without statistics picks it (migration 0013).
        Index(
            "ix_orders_open_cart_session_hash",
            "cart_session_hash",
            postgresql_where=text("status = 'pending' AND NOT awaiting_payment"),
        ),
        Index("ix_orders_cart_session_hash_created_at", "cart_session_hash", "created_at"),
        # The back office's order list: newest first, keyset-paginated on (created_at, id),
        # alone or within one status (and one customer email: below the class); the
        # sweeper's pending orders by age.
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_status_created_at_id", "status", "created_at", "id"),
        # The sweeper's lapsed seat holds (seats_held_until <= now). Its predicate is not
        # implied by the checkout's lookups, so that no plan scans it whole (migration 0015).
        Index(
            "ix_orders_pending_seats_held_until",
            "seats_held_until",
            postgresql_where=text("status = 'pending' AND seats_held_until IS NOT NULL"),
        ),
    )


# Emails are searched in any case: the index is on lower(customer_email).
Index("ix_orders_email_created_at_id", func.lower(Order.customer_email), Order.created_at, Order.id)


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[uuid.UUID] = _uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(50))
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL")
    )
    digital_product_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("digital_products.id", ondelete="SET NULL")
    )
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        CheckConstraint(
            "item_type IN ('course', 'digital_product', 'event')", name="order_items_item_type"
        ),
        CheckConstraint("quantity BETWEEN 1 AND 99", name="order_items_quantity_range"),
        CheckConstraint("price >= 0", name="order_items_price_nonnegative"),
        Index("ix_order_items_order_id", "order_id"),
    )


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))
    status: Mapped[BookingStatus] = mapped_column(
        _pg_enum(BookingStatus, "booking_status"), server_default=BookingStatus.PENDING.value
    )
    attendees: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    total_price: Mapped[Decimal] = mapped_column(Money)
    whatsapp_notified: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    email_notified: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Copies of the order's seats_held_until, session hash, lowercased email and address
    # hash, kept by database triggers (migration 0010): seats are counted from the bookings
    # alone. Never written here.
    held_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    holder_session: Mapped[str | None] = mapped_column(String(64))
    holder_email: Mapped[str | None] = mapped_column(String(254))
    holder_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint("attendees BETWEEN 1 AND 99", name="bookings_attendees_range"),
        # An event's bookings, for the back office. A seat count reads its event's tallies and
        # the partial indexes below instead (migrations 0014 and 0016).
        Index("ix_bookings_event_id_status", "event_id", "status"),
        Index("ix_bookings_order_id", "order_id"),
        # What a seat count reads besides its event's tallies (migration 0016): the pending
        # bookings whose hold has passed, and those of one client.
        *(
            Index(
                f"ix_bookings_pending_{column}",
                column,
                postgresql_where=text(f"(status = 'pending') IS TRUE AND {column} IS NOT NULL"),
            )
            for column in ("held_until", "holder_session", "holder_email", "holder_address")
        ),
    )


class StripeEvent(Base):
    """Every Stripe event received, so a replay changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSONB)
    received_at: Mapped[datetime] = _created_at()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(50))

    # An order's timeline finds its events by Checkout Session, or (refunds, disputes) by the
    # payment intent inside the event's object.
    __table_args__ = (
        Index("ix_stripe_events_checkout_session_id", "checkout_session_id"),
        Index(
            "ix_stripe_events_payment_intent", text("(payload #>> '{data,object,payment_intent}')")
        ),
    )


class Entitlement(Base):
    """Access to a course or digital product, granted once per paid order line."""

    __tablename__ = "entitlements"

    id: Mapped[uuid.UUID] = _uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    order_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_items.id"), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    customer_email: Mapped[str] = mapped_column(String(254))
    item_type: Mapped[str] = mapped_column(String(50))
    course_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courses.id"))
    digital_product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("digital_products.id"))
    granted_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        CheckConstraint(
            "item_type IN ('course', 'digital_product')", name="entitlements_item_type"
        ),
        Index("ix_entitlements_order_id", "order_id"),
        Index("ix_entitlements_customer_email", "customer_email"),
    )


class OutboxMessage(Base):
    """A notification to send, written in the transaction that caused it."""

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = _uuid_pk()
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict] = mapped_column(JSONB)
    # One message per order, channel and purpose, however often fulfilment runs.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = _created_at()
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("channel IN ('email', 'whatsapp')", name="outbox_channel"),
        Index("ix_outbox_unsent", "next_attempt_at", postgresql_where=text("sent_at IS NULL")),
    )


class AuditEntry(Base):
    """One line of the audit log: an order state change or a staff action. Append-only: a
    trigger refuses UPDATE and DELETE, and no code path changes a row once written."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))
    # "staff:<email>", "stripe", "system", "support-token", "cli".
    actor: Mapped[str] = mapped_column(String(300))
    # Dotted verbs: "order.status_changed", "staff.login", "order.refund_requested", ...
    action: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    ip: Mapped[str | None] = mapped_column(INET)
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (Index("ix_audit_log_order_id_id", "order_id", "id"),)


class Staff(Base):
    """A back-office account: support reads and resends, a manager also refunds."""

    __tablename__ = "staff"

    id: Mapped[uuid.UUID] = _uuid_pk()
    # Stored lower-case: logins match whatever case is typed.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (CheckConstraint("role IN ('support', 'manager')", name="staff_role"),)


class StaffSession(Base):
    """A signed-in back-office session; the cookie holds the token, this row its sha256."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    ip: Mapped[str | None] = mapped_column(INET)
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_staff_sessions_staff_id", "staff_id"),)


class Refund(Base):
    """Money given back on an order; written before Stripe is asked, its id keys the request."""

    __tablename__ = "refunds"

    id: Mapped[uuid.UUID] = _uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), server_default="pending")
    # Stripe's reason (requested_by_customer, duplicate, fraudulent); None for dashboard refunds.
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    # Who asked: "support", "cli", "staff:<email>", "stripe" (made in Stripe's dashboard), ...
    actor: Mapped[str] = mapped_column(String(254))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Set once when Stripe confirms: the lines' access and seats are taken back exactly then.
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="refunds_amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'canceled')", name="refunds_status"
        ),
        Index("ix_refunds_order_id", "order_id"),
    )


class RefundLine(Base):
    """The part of an order line a refund gives back (a refund by amount has none)."""

    __tablename__ = "refund_lines"

    id: Mapped[uuid.UUID] = _uuid_pk()
    refund_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"))
    order_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 99", name="refund_lines_quantity_range"),
        Index("ix_refund_lines_refund_id", "refund_id"),
        Index("ix_refund_lines_order_item_id", "order_item_id"),
    )


class Dispute(Base):
    """A chargeback Stripe told us about; remembers its outcome so a late "created" is ignored."""

    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    status: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = _created_at()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_disputes_order_id", "order_id"),)


def holds_seats() -> ColumnElement[bool]:
    """Whether a booking (joined to its order) takes its event's seats right now: confirmed,
    or pending within its order's seats_held_until (repository._HOLDS is the same in SQL)."""
    return or_(
        Booking.status == BookingStatus.CONFIRMED,
        and_(
            Booking.status == BookingStatus.PENDING,
            or_(Order.seats_held_until.is_(None), Order.seats_held_until > func.now()),
        ),
    )


class CommitDeadline(Base):
    """A unit of work's deadline, checked by a trigger at its COMMIT (migration 0012); a row
    never outlives its transaction."""

    __tablename__ = "commit_deadlines"
    __table_args__ = ({"prefixes": ("UNLOGGED",)},)

    txid: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, server_default=text("txid_current()")
    )
    deadline: Mapped[float] = mapped_column(Double)
