"""The in-memory moving windows the rate limits fall back to while Redis is down."""

from __future__ import annotations

from checkout_app.adapters.rate_limits import Budget, MemoryWindows


def test_a_budget_refuses_past_its_amount_and_says_how_long_to_wait():
    windows = MemoryWindows()
    budget = [Budget("s", 2, 60)]
    assert [windows.spend(budget) for _ in range(3)][:2] == [0, 0]
    wait = windows.spend(budget)
    assert 1 <= wait <= 60


def test_a_refused_request_spends_nothing_on_its_other_budgets():
    windows = MemoryWindows()
    session, address = Budget("session", 1, 60), Budget("address", 2, 60)
    assert windows.spend([session, address]) == 0
    assert windows.spend([session, address]) > 0  # the session is spent, the address is not
    assert windows.spend([Budget("other session", 1, 60), address]) == 0
    assert windows.spend([Budget("third session", 1, 60), address]) > 0  # now it is


def test_budgets_are_separate_by_key():
    windows = MemoryWindows()
    assert windows.spend([Budget("a", 1, 60)]) == 0
    assert windows.spend([Budget("b", 1, 60)]) == 0
    assert windows.spend([Budget("a", 1, 60)]) > 0
