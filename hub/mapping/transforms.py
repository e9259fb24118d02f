"""The built-in field transforms, registered through the same hook a plugin uses.

A transform is ``fn(value, *args) -> value``. It rejects a value by raising `ValueError`
(or `TypeError` for a value of the wrong kind); the mapping turns that into a `RecordError`
for that one record. Two optional markers change how the compiler treats a transform:

* `@accepts_null` - the transform is called on null values too. Without it a null value
  skips the transform and stays null (so ``[strip, lower]`` never fails on a missing value).
  Of the built-ins only `default` accepts null.
* `@checks_args(check)` - ``check(*args)`` runs once when the mapping loads and raises
  `ValueError` for arguments that could never work, so the mistake is a located error in the
  file instead of a dead letter per record.

Parsing transforms (e164, email and the conversions in `hub.mapping.conversions`) read a
blank string as null: exports are full of empty cells that mean "no value".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import phonenumbers

from hub.mapping.conversions import (
    as_text,
    blank_is_null,
    check_places,
    kind,
    not_text,
    short,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_float,
    to_int,
    to_iso,
    to_str,
)
from hub.model.fields import normalise_email, normalise_phone
from hub.plugin import hookimpl
from hub.plugin.registry import Transform, TransformRegistry

F = TypeVar("F", bound=Callable[..., Any])

ACCEPTS_NULL = "hub_accepts_null"
CHECK_ARGS = "hub_check_args"

_UNMAPPED = ("keep", "error", "null")


def accepts_null(fn: F) -> F:
    """Mark a transform to be called on null values as well."""
    fn.__dict__[ACCEPTS_NULL] = True
    return fn


def checks_args(check: Callable[..., None]) -> Callable[[F], F]:
    """Attach a load-time check of a transform's arguments."""

    def mark(fn: F) -> F:
        fn.__dict__[CHECK_ARGS] = check
        return fn

    return mark


# -- argument checks ----------------------------------------------------------------------


def _check_int(name: str, *, minimum: int | None = None) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer, got {short(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"{name} must be at least {minimum}, got {value}")

    return check


def _check_strings(*names: str) -> Callable[..., None]:
    def check(*values: Any) -> None:
        for name, value in zip(names, values, strict=False):
            if not isinstance(value, str):
                raise ValueError(f"{name} must be text, got {short(value)}")

    return check


def _check_region(region: Any = None) -> None:
    if region is None or (isinstance(region, str) and not region.strip()):
        return  # no region: only numbers in +<country code> form are read
    if not isinstance(region, str) or region.strip().upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{short(region)} is not a region code such as US or GB")


def _check_map(table: Any, unmapped: Any = "keep") -> None:
    if not isinstance(table, dict):
        raise ValueError(f"the table must be a mapping such as {{UK: GB}}, got {short(table)}")
    if unmapped is not None and unmapped not in _UNMAPPED:
        raise ValueError(f"unmapped must be one of {', '.join(_UNMAPPED)}, got {short(unmapped)}")


def _check_replace(old: Any, new: Any) -> None:
    _check_strings("old", "new")(old, new)
    if not old:
        raise ValueError("the text to replace must not be empty")


# -- text ---------------------------------------------------------------------------------


def lower(value: Any) -> str:
    if isinstance(value, str):  # checked inline: these run on most fields of most records
        return value.lower()
    raise not_text(value)


def upper(value: Any) -> str:
    if isinstance(value, str):
        return value.upper()
    raise not_text(value)


def strip(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    raise not_text(value)


def blank_to_null(value: Any) -> Any:
    """A blank string becomes null, so `when_null` applies to it; other values pass."""
    return None if isinstance(value, str) and not value.strip() else value


@checks_args(_check_int("length", minimum=0))
def truncate(value: Any, length: int) -> str:
    if isinstance(value, str):
        return value[:length]
    raise not_text(value)


@checks_args(_check_replace)
def replace(value: Any, old: str, new: str) -> str:
    return as_text(value).replace(old, new)


def hash_sha256(value: Any) -> str:
    """Hex SHA-256 of the UTF-8 text (normalise first: audiences match on exact bytes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return hashlib.sha256(as_text(value).encode("utf-8")).hexdigest()


# -- contact details ----------------------------------------------------------------------


@checks_args(_check_region)
def e164(value: Any, region: str | None = None) -> str | None:
    """A phone number in E.164 form; `region` (US, GB, ...) reads numbers without +code.

    The region is often read from the record (``{e164: {from: country}}``); a blank one is
    the same as none.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = blank_is_null(value)
    if text is None:
        return None
    return normalise_phone(text, region)


def email(value: Any) -> str | None:
    """A syntactically valid address, lower-cased (no DNS lookup is made)."""
    text = blank_is_null(value)
    if text is None:
        return None
    return normalise_email(text)


def split_name(value: Any) -> list[str | None]:
    """``"Ada King Lovelace"`` -> ``["Ada", "King Lovelace"]``; ``"Lovelace, Ada"`` too."""
    text = " ".join(as_text(value).split())
    if "," in text:
        last, _, first = text.partition(",")
    else:
        first, _, last = text.partition(" ")
    return [first.strip() or None, last.strip() or None]


# -- lists --------------------------------------------------------------------------------


@checks_args(_check_int("index"))
def pick(value: Any, index: int) -> Any:
    """The item at `index` (negative counts from the end); past the end is null."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {kind(value)}")
    try:
        return value[index]
    except IndexError:
        return None


@checks_args(_check_strings("separator"))
def join(value: Any, separator: str = " ") -> str | None:
    """Join the non-blank items of a list; nothing left to join is null."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {kind(value)}")
    parts = [to_str(item) for item in value if item is not None]
    return separator.join(part for part in parts if part.strip()) or None


# -- choices ------------------------------------------------------------------------------


@checks_args(_check_map)
def map_values(value: Any, table: dict[Any, Any], unmapped: str | None = "keep") -> Any:
    """Look `value` up in `table`; `unmapped` says what a value missing from it does:
    ``keep`` passes it through, ``null`` (the word or a YAML null) makes it null,
    ``error`` rejects the record."""
    try:
        return table[value]
    except KeyError:
        pass
    except TypeError:
        raise TypeError(f"cannot look up a {kind(value)}") from None
    if unmapped == "keep":
        return value
    if unmapped is None or unmapped == "null":
        return None
    raise ValueError(f"{short(value)} is not one of {', '.join(map(repr, table))}")


@accepts_null
def default(value: Any, fallback: Any) -> Any:
    """`fallback` when the value is null (a blank string is not null: see blank_to_null)."""
    return fallback if value is None else value


# the conversions module carries no plugin markers; its one argument check is attached here
checks_args(check_places)(to_decimal)

BUILTINS: dict[str, Transform] = {
    "blank_to_null": blank_to_null,
    "default": default,
    "e164": e164,
    "email": email,
    "hash_sha256": hash_sha256,
    "join": join,
    "lower": lower,
    "map": map_values,
    "pick": pick,
    "replace": replace,
    "split_name": split_name,
    "strip": strip,
    "to_bool": to_bool,
    "to_date": to_date,
    "to_datetime": to_datetime,
    "to_decimal": to_decimal,
    "to_float": to_float,
    "to_int": to_int,
    "to_iso": to_iso,
    "to_str": to_str,
    "truncate": truncate,
    "upper": upper,
}


@hookimpl
def hub_register_transforms(register: TransformRegistry) -> None:
    for name, fn in BUILTINS.items():
        register.add(name, fn)


def default_transforms() -> TransformRegistry:
    """A registry holding only the built-ins: for tests and callers without a plugin host."""
    registry = TransformRegistry(current_plugin="hub.mapping.transforms")
    hub_register_transforms(registry)
    return registry
