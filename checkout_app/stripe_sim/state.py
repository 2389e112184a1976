"""Thread-safe in-memory store of the simulator: sessions, idempotency keys, faults, log."""

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .faults import Fault


@dataclass(frozen=True)
class StoredResponse:
    """An answer kept under an idempotency key, replayed byte for byte."""

    status: int
    body: bytes


class IdempotencyConflict(Exception):
    """An idempotency key was reused with a different request."""


class SimState:
    """All simulator state, guarded by one re-entrant lock."""

    def __init__(self, latency_ms: int = 0) -> None:
        self._lock = threading.RLock()
        self._default_latency_ms = latency_ms
        self._generation = 0
        self._wake = threading.Event()
        self._clear()

    def _clear(self) -> None:
        self._sessions: dict[str, dict[str, Any]] = {}
        self._line_items: dict[str, list[dict[str, Any]]] = {}
        self._idempotency: dict[tuple[str, str], tuple[Any, StoredResponse]] = {}
        self._faults: list[Fault] = []
        self._log: list[dict[str, Any]] = []
        self._latency_ms = self._default_latency_ms
        # Payment intents, charges, refunds and disputes by id; what a new refund's status is.
        self._objects: dict[str, dict[str, Any]] = {}
        self.refund_status = "succeeded"

    @property
    def latency_ms(self) -> int:
        """Latency added to every /v1 request, in milliseconds."""
        with self._lock:
            return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: int) -> None:
        with self._lock:
            self._latency_ms = value

    @property
    def generation(self) -> int:
        """Counter bumped by every reset; requests started before a reset are abandoned."""
        with self._lock:
            return self._generation

    def reset(self) -> None:
        """Forget everything and wake requests sleeping in pause()."""
        with self._lock:
            self._clear()
            self._generation += 1
            self._wake.set()
            self._wake = threading.Event()

    def pause(self, seconds: float, generation: int) -> bool:
        """Sleep without holding the lock; False if a reset happened meanwhile."""
        with self._lock:
            wake = self._wake
        wake.wait(seconds)
        return self.generation == generation

    def add_fault(self, fault: Fault) -> None:
        """Activate a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Deactivate all faults."""
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting one use of it down."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count == 0:
                            self._faults.remove(fault)
                    return replace(fault)
            return None

    def record(self, entry: dict[str, Any], generation: int) -> None:
        """Append a request to the log, unless it started before the last reset."""
        with self._lock:
            if generation == self._generation:
                self._log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return copy.deepcopy(self._log)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log.clear()

    def add_session(self, session: dict[str, Any], line_items: list[dict[str, Any]]) -> None:
        """Store a new session with its line items."""
        with self._lock:
            self._sessions[session["id"]] = copy.deepcopy(session)
            self._line_items[session["id"]] = copy.deepcopy(line_items)

    def session(self, session_id: str) -> dict[str, Any] | None:
        """A copy of a stored session, or None."""
        with self._lock:
            return copy.deepcopy(self._sessions.get(session_id))

    def sessions(self) -> list[dict[str, Any]]:
        """Copies of all stored sessions, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._sessions.values()))

    def line_items(self, session_id: str) -> list[dict[str, Any]] | None:
        """A copy of a session's line items, or None for an unknown session."""
        with self._lock:
            return copy.deepcopy(self._line_items.get(session_id))

    def expire_session(self, session_id: str) -> tuple[dict[str, Any] | None, bool]:
        """Expire an open session; returns (session or None, whether it was open)."""
        return self.update_session(session_id, lambda s: s["status"] == "open", status="expired")

    def update_session(
        self, session_id: str, allowed: Callable[[dict[str, Any]], bool], **changes: Any
    ) -> tuple[dict[str, Any] | None, bool]:
        """Apply changes when `allowed(session)`; returns (session or None, whether applied)."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or not allowed(session):
                return copy.deepcopy(session), False
            session.update(changes)
            return copy.deepcopy(session), True

    def run_idempotent(
        self,
        key: tuple[str, str],
        signature: Any,
        produce: Callable[[], StoredResponse],
    ) -> tuple[StoredResponse, bool]:
        """Return (answer, replayed): the answer stored under key, or a new one from produce."""
        # produce runs under the lock, so a concurrent duplicate waits and then gets the replay.
        # Only 200 answers are kept; a key first used with another signature is a conflict.
        with self._lock:
            stored = self._idempotency.get(key)
            if stored is not None:
                if stored[0] != signature:
                    raise IdempotencyConflict
                return stored[1], True
            answer = produce()
            if answer.status == 200:
                self._idempotency[key] = (copy.deepcopy(signature), answer)
            return answer, False

    def put(self, obj: dict[str, Any]) -> None:
        """Store a payment intent, charge, refund or dispute under its id."""
        with self._lock:
            self._objects[obj["id"]] = copy.deepcopy(obj)

    def get(self, object_id: str, kind: str) -> dict[str, Any] | None:
        """A copy of a stored object of this kind ("charge", "refund"...), or None."""
        with self._lock:
            obj = self._objects.get(object_id)
            return copy.deepcopy(obj) if obj is not None and obj["object"] == kind else None

    def change(self, change: Callable[[dict[str, dict[str, Any]]], Any]) -> Any:
        """Run `change` on the live objects under the lock (for updates of several at once)."""
        with self._lock:
            return copy.deepcopy(change(self._objects))
