"""Built-in transforms that convert between kinds of value: text, numbers, booleans, dates.

Each reads a blank string as null (exports are full of empty cells that mean "no value") and
rejects what it cannot read with `ValueError`, or `TypeError` for a value of the wrong kind.
The helpers at the top are shared with `hub.mapping.transforms`.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# epoch values this large are milliseconds: 1e11 seconds is past the year 5000
_MILLIS_FROM = 1e11
_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})


def kind(value: Any) -> str:
    """How a value's kind is named in a reason: ``null``, ``int``, ``dict``..."""
    return "null" if value is None else type(value).__name__


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise not_text(value)


def not_text(value: Any) -> TypeError:
    return TypeError(f"expected text, got {kind(value)}")


def blank_is_null(value: Any) -> str | None:
    """The stripped text, or None when there is none."""
    return as_text(value).strip() or None


def short(value: Any) -> str:
    """A value as a reason quotes it: its repr, cut to 40 characters."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def check_places(places: Any = None) -> None:
    """The load-time check of `to_decimal`'s argument."""
    if places is not None and (
        isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 18
    ):
        raise ValueError(f"places must be a whole number from 0 to 18, got {short(places)}")


# -- text ---------------------------------------------------------------------------------


def to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"expected text, a number or a date, got {kind(value)}")


# -- dates --------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is out of range") from None


def _from_epoch(value: float | Decimal) -> datetime:
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"epoch value {short(value)} is out of range") from None
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a time")
    try:
        if abs(number) >= _MILLIS_FROM:
            return _EPOCH + timedelta(milliseconds=number)
        return _EPOCH + timedelta(seconds=number)
    except OverflowError:
        raise ValueError(f"epoch value {number} is out of range") from None


def to_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text or epoch seconds / milliseconds.

    Text without an offset is taken as UTC; epoch values from 1e11 up are milliseconds.
    """
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError("expected a date-time, got bool")
    if isinstance(value, int | float | Decimal):
        return _from_epoch(value)
    text = blank_is_null(value)
    if text is None:
        return None
    try:  # ISO first: 20240105 is a basic-format date, not a second in August 1970
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            seconds = float(text)
        except ValueError:
            reason = "is not an ISO 8601 date-time or epoch time"
            raise ValueError(f"{short(text)} {reason}") from None
        return _from_epoch(seconds)
    return _utc(parsed)


def to_date(value: Any) -> date | None:
    """A date; a date-time is first converted to UTC."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    moment = to_datetime(value)
    return None if moment is None else moment.date()


def to_iso(value: Any) -> str | None:
    """ISO 8601 text: date-times in UTC with a ``Z``; text is parsed with `to_datetime`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, datetime):
        value = to_datetime(value)
        if value is None:
            return None
    return _utc(value).isoformat().replace("+00:00", "Z")


# -- numbers ------------------------------------------------------------------------------


def _numbertext(value: Any) -> str | None:
    if isinstance(value, bool):
        raise TypeError("expected a number, got bool")
    return blank_is_null(value)


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{short(text)} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{short(text)} is not a finite number")
    return number


def to_int(value: Any) -> int | None:
    """An integer; ``"42"``, ``42.0`` and ``"4.2e1"`` are read, ``4.5`` is refused."""
    if type(value) is str:
        try:  # the common case first, exact for any number of digits
            return int(value)
        except ValueError:
            pass
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        number = Decimal(value) if isinstance(value, float) else value
        if not number.is_finite():
            raise ValueError(f"{value} is not a finite number")
    else:
        text = _numbertext(value)
        if text is None:
            return None
        number = _decimal(text)
    # an exponent like 1e999999 would build an enormous integer
    if number.adjusted() > 30 or number != number.to_integral_value():
        raise ValueError(f"{short(value)} is not an integer in range")
    return int(number)


def to_float(value: Any) -> float | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = value
    else:
        text = _numbertext(value)
        if text is None:
            return None
        number = _decimal(text)
    try:
        result = float(number)
    except OverflowError:
        raise ValueError(f"{short(value)} is too large") from None
    if not math.isfinite(result):
        raise ValueError(f"{short(value)} is not a finite number")
    return result


def to_decimal(value: Any, places: int | None = None) -> Decimal | None:
    """An exact decimal; `places` rounds half-to-even (banker's rounding, as for money)."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        number = _decimal(repr(value))  # repr is the shortest text that round-trips
    else:
        text = _numbertext(value)
        if text is None:
            return None
        number = _decimal(text)
    if not number.is_finite():
        raise ValueError(f"{short(value)} is not a finite number")
    if places is None:
        return number
    try:
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise ValueError(f"{short(value)} has too many digits") from None


def to_bool(value: Any) -> bool | None:
    """true/false, yes/no, y/n, on/off, 1/0 (any case); anything else is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"{short(value)} is not a yes/no value")
