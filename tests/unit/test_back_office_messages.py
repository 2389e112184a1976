"""The back office's words live in messages.py: no flash, error or form message is a literal."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from checkout_app import errors

PACKAGE = Path(errors.__file__).parent
MODULES = sorted(
    [
        *(PACKAGE / "admin").glob("*.py"),
        PACKAGE / "services" / "backoffice.py",
        PACKAGE / "services" / "staff.py",
        PACKAGE / "services" / "refunds.py",
        PACKAGE / "domain" / "refunds.py",
        PACKAGE / "api" / "refunds.py",
        PACKAGE / "api" / "refund_schemas.py",
    ]
)
# Calls whose text reaches a person: flash messages and every error the app answers with.
SHOWN = {"flash", "ValidationError"} | {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.CheckoutError)
}


def is_text(node: ast.expr | None) -> bool:
    """A string written in place: a literal, an f-string, or one glued to something."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_text(node.left) or is_text(node.right)
    if isinstance(node, ast.Dict):
        return any(is_text(value) for value in node.values)
    return False


def literal_messages(source: str, name: str) -> list[str]:
    """Where `source` hands a written-in-place string to something a person reads."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        shown = list(node.args[:1]) if called in SHOWN else []
        shown += [kw.value for kw in node.keywords if kw.arg in ("error", "error_messages")]
        found += [f"{name}:{arg.lineno}" for arg in shown if is_text(arg)]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_back_office_module_writes_a_message_of_its_own(path):
    assert literal_messages(path.read_text(), path.name) == []


def test_the_check_finds_literal_messages_and_passes_named_ones():
    sample = "\n".join(
        (
            'flash(f"Refund of {amount}")',
            'raise InvalidInput("status is not " + "an order status")',
            'LoginOutcome(error="Invalid email or password", status=401)',
            'fields.UUID(error_messages={"invalid": "itemId must be a UUID"})',
            "flash(messages.CONFIRMATION_RESENT)",
            "raise ItemNotFound(messages.EVENT_NOT_FOUND)",
        )
    )
    assert literal_messages(sample, "sample.py") == [f"sample.py:{n}" for n in (1, 2, 3, 4)]
