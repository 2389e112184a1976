"""Decoding of Stripe's nested form encoding and typed readers for decoded params."""

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

KEY_PATTERN = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
SEGMENT_PATTERN = re.compile(r"\[([^\[\]]*)\]")
INTEGER_PATTERN = re.compile(r"^-?\d+$")


class ParamError(Exception):
    """A request parameter failed validation; rendered as a 400 invalid_request_error."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


def decode_form(text: str) -> dict[str, Any]:
    """Decode `a[b][0][c]=v` style form data into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        insert(root, split_key(key), value, key)
    return listify(root)


def split_key(key: str) -> list[str]:
    """Split `a[b][]` into ["a", "b", ""]; keys that are not bracketed stay whole."""
    match = KEY_PATTERN.match(key)
    if match is None:
        return [key]
    return [match.group(1), *SEGMENT_PATTERN.findall(match.group(2))]


def insert(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    """Store value at path inside node, creating intermediate containers."""
    for position, segment in enumerate(path):
        last = position == len(path) - 1
        if segment == "":
            segment = append_index(node, None if last else path[position + 1])
        if last:
            if isinstance(node.get(segment), dict):
                raise ParamError(f"Invalid nested parameters near '{key}'", param=path[0])
            node[segment] = value
            return
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise ParamError(f"Invalid nested parameters near '{key}'", param=path[0])
        node = child


def append_index(node: dict[str, Any], next_segment: str | None) -> str:
    """Index that `[]` refers to: a new element, or the last one if it lacks next_segment."""
    size = len(node)
    if next_segment is not None and size:
        previous = node.get(str(size - 1))
        if isinstance(previous, dict) and next_segment not in previous:
            return str(size - 1)
    return str(size)


def listify(value: Any) -> Any:
    """Turn dicts whose keys are exactly "0".."n-1" into lists, recursively."""
    if not isinstance(value, dict):
        return value
    items = {key: listify(child) for key, child in value.items()}
    if items and set(items) == {str(index) for index in range(len(items))}:
        return [items[str(index)] for index in range(len(items))]
    return items


def name_of(prefix: str, key: str) -> str:
    """The wire name of key nested under prefix, e.g. `line_items[0][quantity]`."""
    return f"{prefix}[{key}]" if prefix else key


def reject_unknown(values: dict[str, Any], allowed: frozenset[str], prefix: str = "") -> None:
    """Raise parameter_unknown for the first key of values that is not allowed."""
    for key in values:
        if key not in allowed:
            name = name_of(prefix, key)
            raise ParamError(f"Received unknown parameter: {name}", name, "parameter_unknown")


def missing(name: str) -> ParamError:
    """The error Stripe gives for a required parameter that was not sent."""
    return ParamError(f"Missing required param: {name}.", name, "parameter_missing")


def empty(name: str) -> ParamError:
    """The error Stripe gives for an empty string sent for a parameter that cannot be unset."""
    return ParamError(
        f"You passed an empty string for '{name}'. We assume empty values are an attempt to "
        f"unset a parameter; however '{name}' cannot be unset. You should remove '{name}' "
        "from your request or supply a non-empty value.",
        name,
        "parameter_invalid_empty",
    )


def read_value(values: dict[str, Any], key: str, prefix: str, required: bool) -> Any:
    """The raw value of key, or None when absent or blank and not required."""
    name = name_of(prefix, key)
    value = values.get(key)
    if value is None:
        if required:
            raise missing(name)
        return None
    if value == "":
        if required:
            raise empty(name)
        return None
    return value


def read_string(
    values: dict[str, Any],
    key: str,
    prefix: str = "",
    required: bool = False,
    max_length: int | None = None,
) -> str | None:
    """A string param; blank optional strings read as None."""
    name = name_of(prefix, key)
    value = read_value(values, key, prefix, required)
    if value is not None and not isinstance(value, str):
        raise ParamError(f"Invalid string: {value!r}", name)
    if value is not None and max_length is not None and len(value) > max_length:
        raise ParamError(
            f"Invalid string: {value[:20]}...; must be at most {max_length} characters", name
        )
    return value


def read_integer(
    values: dict[str, Any], key: str, prefix: str = "", required: bool = False, minimum: int = 0
) -> int | None:
    """An integer param written in decimal digits, at least minimum."""
    name = name_of(prefix, key)
    value = read_value(values, key, prefix, required)
    if value is None:
        return None
    if not isinstance(value, str) or not INTEGER_PATTERN.match(value):
        raise ParamError(f"Invalid integer: {value}", name, "parameter_invalid_integer")
    number = int(value)
    if number < minimum:
        raise ParamError(
            f"This value must be greater than or equal to {minimum}.",
            name,
            "parameter_invalid_integer",
        )
    return number


def read_url(values: dict[str, Any], key: str, required: bool = False) -> str | None:
    """An absolute http(s) URL param."""
    value = read_string(values, key, required=required, max_length=5000)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ParamError("Not a valid URL", key, "url_invalid")
    return value


def read_list(values: dict[str, Any], key: str, prefix: str = "") -> list[Any] | None:
    """An array param; sparse or non-array values are rejected."""
    value = read_value(values, key, prefix, required=False)
    if value is not None and not isinstance(value, list):
        raise ParamError("Invalid array", name_of(prefix, key))
    return value


def read_hash(values: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any] | None:
    """A hash param; `[0]`-style keys that decoded into a list are turned back into a hash."""
    value = read_value(values, key, prefix, required=False)
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    if value is not None and not isinstance(value, dict):
        raise ParamError("Invalid object", name_of(prefix, key))
    return value
