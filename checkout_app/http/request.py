"""The app's request class: JSON too deeply nested to parse is bad input, not a crash."""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.exceptions import BadRequest

from checkout_app import messages


class ShopRequest(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """As Flask's, but a RecursionError from the parser counts as malformed JSON."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as exc:
            if silent:
                return None
            raise BadRequest(messages.JSON_TOO_DEEP) from exc
