"""The chaos suite's world, started once per test that asks for it (tests/chaos/stack.py)."""

from __future__ import annotations

import pytest

from .stack import ChaosStack


@pytest.fixture
def stack(tmp_path_factory):
    world = ChaosStack(tmp_path_factory.mktemp("chaos"))
    try:
        world.start_gunicorn()
        yield world
    finally:
        world.close()
