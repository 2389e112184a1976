"""Shopper states for the fuzz run: no cookie, a cookie without a cart, or a stored cart."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from hypothesis import strategies as st
from schemathesis import AuthContext, Case

from checkout_app.adapters.cart_store import CartStore
from checkout_app.domain.cart import CartKey, CartLine
from checkout_app.domain.enums import ItemType
from tests.conftest import SUPPORT_TOKEN
from tests.helpers import issued_session_id

COURSE = uuid.UUID("00000000-0000-4000-8000-00000000c001")
PRODUCT = uuid.UUID("00000000-0000-4000-8000-00000000d001")
EVENT = uuid.UUID("00000000-0000-4000-8000-00000000e001")
RETIRED_COURSE = uuid.UUID("00000000-0000-4000-8000-00000000c002")  # off sale
SMALL_EVENT = uuid.UUID("00000000-0000-4000-8000-00000000e002")  # 1 seat, carts ask for 2+
COOKIE = "session_id"
# operation label -> phase -> examples sent; printed at the end of the run.
EXAMPLES: defaultdict[str, Counter[str]] = defaultdict(Counter)


@dataclass(frozen=True)
class CartState:
    """What the shopper has before the request, and which item a valid request names."""

    cookie: bool
    lines: tuple[CartLine, ...] | None  # None: no cart stored under the cookie
    aim: CartKey | None  # put in the path (PATCH/DELETE a line) or body (POST) of valid cases


def _line(
    item_type: ItemType, item_id: uuid.UUID, quantities: st.SearchStrategy[int]
) -> st.SearchStrategy[CartLine]:
    return quantities.map(lambda qty: CartLine(CartKey(item_type, item_id), qty))


FOR_SALE = (
    _line(ItemType.COURSE, COURSE, st.just(1)),
    _line(ItemType.DIGITAL_PRODUCT, PRODUCT, st.just(1)),
    _line(ItemType.EVENT, EVENT, st.integers(1, 99)),
)
NOT_FOR_SALE = (
    _line(ItemType.COURSE, RETIRED_COURSE, st.just(1)),
    _line(ItemType.EVENT, SMALL_EVENT, st.integers(2, 99)),
)
AIMS = st.sampled_from(
    (
        None,
        CartKey(ItemType.COURSE, COURSE),
        CartKey(ItemType.DIGITAL_PRODUCT, PRODUCT),
        CartKey(ItemType.EVENT, EVENT),
    )
)


def _for_sale(min_size: int, max_size: int) -> st.SearchStrategy[list[CartLine]]:
    lines = st.one_of(*FOR_SALE)
    return st.lists(lines, min_size=min_size, max_size=max_size, unique_by=lambda ln: ln.key)


# Mostly carts that can be bought, so that checkouts run through Stripe and the database.
STORED: dict[str, st.SearchStrategy[tuple[CartLine, ...] | None]] = {
    "for sale": _for_sale(1, 3).map(tuple),
    "off sale": st.tuples(_for_sale(0, 2), st.one_of(*NOT_FOR_SALE)).map(
        lambda drawn: (*drawn[0], drawn[1])
    ),
    "empty": st.just(()),
    "no cart": st.none(),
    "no cookie": st.none(),
}
KINDS = st.sampled_from(("for sale",) * 5 + ("off sale", "empty", "no cart", "no cookie"))
CART_STATES = KINDS.flatmap(
    lambda kind: st.builds(CartState, st.just(kind != "no cookie"), STORED[kind], AIMS)
)
# A cart with one line of each kind for sale: the state of the coverage phase.
FULL_CART = CartState(
    cookie=True,
    lines=(
        CartLine(CartKey(ItemType.COURSE, COURSE), 1),
        CartLine(CartKey(ItemType.DIGITAL_PRODUCT, PRODUCT), 1),
        CartLine(CartKey(ItemType.EVENT, EVENT), 2),
    ),
    aim=None,
)


class CartCookie:
    """schemathesis auth provider: a new session id as the `session_id` cookie of every case."""

    def get(self, case: Case, context: AuthContext) -> str:
        """A session id no cart is stored under yet."""
        return issued_session_id()

    def set(self, case: Case, session_id: str, context: AuthContext) -> None:
        """Send it as the cookie; staff-only operations also get the support token."""
        case.cookies = {**(case.cookies or {}), COOKIE: session_id}
        if {"staffSession": []} in case.operation.definition.raw.get("security", []):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {SUPPORT_TOKEN}"}


def prepare(case: Case, state: CartState, carts: CartStore) -> None:
    """Store the state's cart under the case's cookie (or drop it); name its aim in valid cases."""
    session_id = (case.cookies or {}).get(COOKIE)
    if session_id is None:
        return
    if not state.cookie:
        del case.cookies[COOKIE]
    elif state.lines is not None:
        carts.replace(session_id, list(state.lines))
    if state.aim is not None:
        _aim(case, state.aim)


def _aim(case: Case, key: CartKey) -> None:
    # Only valid parts are rewritten, with valid values, so the case stays what it was generated as.
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    if "item_id" in case.path_parameters:
        case.path_parameters = {"item_type": key.item_type.value, "item_id": str(key.item_id)}
    elif isinstance(case.body, dict) and "itemId" in case.body:
        case.body = {**case.body, "itemType": key.item_type.value, "itemId": str(key.item_id)}


def count(case: Case) -> None:
    """Count one example sent, by operation and phase."""
    phase = case.meta.phase.name.value if case.meta is not None else "explicit"
    EXAMPLES[case.operation.label][phase] += 1
