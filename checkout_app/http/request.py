"""The app's request class: JSON too deeply nested is bad input; an oversized chunked body is 413.

Werkzeug stops reading a chunked body (no Content-Length) at MAX_CONTENT_LENGTH and hands on
the truncated bytes, which then fail to parse as a 400; a body that reaches the limit is
refused here as too large instead, for JSON and form posts alike.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

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

    def get_data(  # type: ignore[override]
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> bytes | str:
        """As Werkzeug's, but a chunked body that reaches the size limit is a 413."""
        data = super().get_data(cache=cache, as_text=as_text, parse_form_data=parse_form_data)
        limit = self.max_content_length
        if self.content_length is None and limit is not None and len(data) >= limit:
            raise RequestEntityTooLarge()
        return data

    def _load_form_data(self) -> None:
        if self.content_length is None and self.method in ("POST", "PUT", "PATCH"):
            self.get_data(cache=True)  # size-checked; form parsing then reads the cached bytes
        super()._load_form_data()
