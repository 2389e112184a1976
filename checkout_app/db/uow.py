"""Unit of work: one session and transaction; leaving the block without commit rolls back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from checkout_app.db.audit import AuditLog
from checkout_app.db.disputes import Disputes
from checkout_app.db.engine import write_deadline
from checkout_app.db.fulfilment_repository import EventLog, Fulfilment
from checkout_app.db.outbox import Outbox
from checkout_app.db.refund_repository import Refunds
from checkout_app.db.repository import CatalogRepository, UserRepository
from checkout_app.db.staff_repository import StaffRepository
from checkout_app.errors import DatabaseUnavailable

# Written only by a transaction that wrote something (a read-only one has no transaction id).
FENCE = text(
    "INSERT INTO commit_deadlines (deadline)"
    " SELECT :deadline WHERE txid_current_if_assigned() IS NOT NULL"
)
# psycopg2 raises OperationalError for a server that is down, restarting or refusing
# connections; the pool raises TimeoutError when no connection frees up in time.
UNREACHABLE = (sa_exc.OperationalError, sa_exc.TimeoutError)


class UnitOfWork:
    """`with uow:` opens a session; `uow.commit()` is explicit; any exception rolls back."""

    session: Session
    users: UserRepository
    catalog: CatalogRepository
    events: EventLog
    fulfilment: Fulfilment
    outbox: Outbox
    audit: AuditLog
    staff: StaffRepository
    refunds: Refunds
    disputes: Disputes

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        self.users = UserRepository(self.session)
        self.catalog = CatalogRepository(self.session)
        self.events = EventLog(self.session)
        self.fulfilment = Fulfilment(self.session)
        self.outbox = Outbox(self.session)
        self.audit = AuditLog(self.session)
        self.staff = StaffRepository(self.session)
        self.refunds = Refunds(self.session)
        self.disputes = Disputes(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
            self.session.close()
        except UNREACHABLE:
            pass  # the server drops an unfinished transaction with its connection
        if isinstance(exc, UNREACHABLE) or (
            isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
        ):
            raise DatabaseUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc

    def commit(self) -> None:
        """Make the work durable, unless the server only gets to the COMMIT after we stopped
        waiting for it (migration 0012: the transaction then rolls back, and db/engine.py
        replaces the connection, which the caller sees as DatabaseUnavailable)."""
        self.session.flush()
        deadline = write_deadline(self.session.connection().connection.info)
        if deadline is not None:
            self.session.execute(FENCE, {"deadline": deadline})
        self.session.commit()
