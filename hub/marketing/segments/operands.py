"""Checking and normalising the operands of segment conditions.

YAML gives loosely typed values (`2026-01-01` arrives as a date, `yes` as a boolean); each
operator is checked against the type of what it compares, and its operand is normalised to
one representation (Decimal for money, TimePoint for dates, tuples for lists), so that the
two evaluators never see anything else.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hub.marketing.common.clock import as_utc
from hub.marketing.segments import catalogue as cat
from hub.marketing.segments.timeexpr import TimePoint, parse_time_point

Loc = tuple[str | int, ...]
Fail = Callable[[Loc, str], None]
T = cat.ValueType

_WHAT = {
    T.STRING: "a string", T.NUMBER: "a number", T.MONEY: "an amount", T.DAYS: "a number of days",
    T.DATETIME: "a date ('2026-01-31' or '45 days ago')", T.BOOL: "true or false",
    T.SET: "a string or a list of strings", T.ANY: "nothing (only exists applies)",
}


@dataclass(frozen=True)
class Test:
    """One comparison: an operator and its normalised operand."""

    op: str
    operand: Any  # str | int | float | Decimal | bool | TimePoint | tuple of those


def suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class TypeChecker:
    """Operand checks that report through `fail(loc, message)` and return None on failure."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail

    def scalar(self, value: Any, value_type: T, op: str, loc: Loc) -> Any:
        if value_type is T.STRING and isinstance(value, str):
            return value
        if value_type in (T.NUMBER, T.DAYS) and _is_number(value):
            return value
        if value_type is T.MONEY and _is_number(value):
            return Decimal(str(value))  # the amount as written, not its binary approximation
        if value_type is T.DATETIME:
            return self.time_point(value, loc)
        if value_type is T.BOOL and isinstance(value, bool):
            return value
        self.fail(loc, f"wrong operand type: `{op}` on {value_type.value} expects "
                       f"{_WHAT[value_type]}, got {type(value).__name__} {value!r}")
        return None

    def time_point(self, value: Any, loc: Loc) -> TimePoint | None:
        if isinstance(value, datetime):
            return TimePoint(value.isoformat(), absolute=as_utc(value))
        if isinstance(value, date):
            moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
            return TimePoint(value.isoformat(), absolute=moment)
        if isinstance(value, str):
            try:
                return parse_time_point(value)
            except ValueError as exc:
                self.fail(loc, str(exc))
                return None
        self.fail(loc, f"wrong operand type: expected a date ('2026-01-31' or '45 days ago'), "
                       f"got {type(value).__name__} {value!r}")
        return None

    def channel(self, value: Any, loc: Loc) -> str | None:
        if value in cat.CHANNELS:
            return str(value)
        self.fail(loc, f"unknown channel {value!r}; one of {', '.join(cat.CHANNELS)}")
        return None

    def topic(self, value: Any, loc: Loc) -> str | None:
        if value is None:
            return ""  # the channel-wide consent
        if isinstance(value, str) and value:
            return value
        self.fail(loc, "`topic` is a subscription topic name (a string)")
        return None

    def infer_property_type(self, data: dict[str, Any], loc: Loc) -> T | None:
        """A JSON property's type, read from its operands (they must agree)."""
        found: set[T] = set()
        for op, operand in data.items():
            if op in ("attribute", "exists"):
                continue
            values = operand if isinstance(operand, list) else [operand]
            for value in values:
                if isinstance(value, bool):
                    found.add(T.BOOL)
                elif _is_number(value):
                    found.add(T.NUMBER)
                elif isinstance(value, str):
                    found.add(T.STRING)
                else:
                    self.fail((*loc, op), f"wrong operand type: a property compares with "
                                          f"strings, numbers or booleans, got {value!r}")
                    return None
        if len(found) > 1:
            kinds = ", ".join(sorted(t.value for t in found))
            self.fail(loc, f"wrong operand type: operands mix {kinds}; a property is compared "
                           "with one type")
            return None
        return found.pop() if found else T.ANY

    def check_choices(self, tests: Iterable[Test], choices: Collection[str], loc: Loc) -> None:
        for test in tests:
            values = test.operand if isinstance(test.operand, tuple) else (test.operand,)
            for value in values:
                if isinstance(value, str) and value not in choices:
                    self.fail((*loc, test.op), f"{value!r} is not one of "
                                               f"{', '.join(choices)}")


def check_tests(types: TypeChecker, data: dict[str, Any], value_type: T, loc: Loc,
                exclude: Collection[str]) -> tuple[Test, ...] | None:
    """The operator keys of `data` (less `exclude`) as checked, normalised tests."""
    ops = {k: v for k, v in data.items() if k not in exclude}
    if not ops:
        types.fail(loc, f"no comparison: add an operator "
                        f"({', '.join(sorted(cat.OPERATORS_BY_TYPE[value_type]))})")
        return None
    allowed = cat.OPERATORS_BY_TYPE[value_type]
    tests: list[Test] = []
    ok = True
    for op, operand in ops.items():
        where = (*loc, op)
        if op not in cat.OPERATORS:
            types.fail(where, f"unknown operator {op!r}{suggest(str(op), cat.OPERATORS)}")
            ok = False
            continue
        if op not in allowed:
            types.fail(where, f"operator `{op}` does not apply to a {value_type.value} "
                              f"(allowed: {', '.join(sorted(allowed))})")
            ok = False
            continue
        normal = _operand(types, op, operand, value_type, where)
        if normal is None:
            ok = False
            continue
        tests.append(Test(op, normal))
    return tuple(tests) if ok else None


def _operand(types: TypeChecker, op: str, operand: Any, value_type: T, loc: Loc) -> Any:
    if op == "exists":
        if isinstance(operand, bool):
            return operand
        types.fail(loc, f"wrong operand type: `exists` takes true or false, got {operand!r}")
        return None
    if op == "contains" and value_type is T.SET:
        values = operand if isinstance(operand, list) else [operand]
        if values and all(isinstance(v, str) for v in values):
            return tuple(values)
        types.fail(loc, f"wrong operand type: `contains` expects {_WHAT[T.SET]}, "
                        f"got {operand!r}")
        return None
    if op in ("between", "in"):
        if not isinstance(operand, list) or not operand or (op == "between" and len(operand) != 2):
            shape = "a list [low, high]" if op == "between" else "a non-empty list"
            types.fail(loc, f"wrong operand type: `{op}` expects {shape}, got {operand!r}")
            return None
        values = [types.scalar(v, value_type, op, (*loc, i)) for i, v in enumerate(operand)]
        if any(v is None for v in values):
            return None
        if op == "between" and _later(values[0], values[1]):
            types.fail(loc, f"`between` needs low <= high, got {operand!r}")
            return None
        return tuple(values)
    return types.scalar(operand, value_type, op, loc)


def _later(low: Any, high: Any) -> bool:
    if isinstance(low, TimePoint) and isinstance(high, TimePoint):
        # compare at an arbitrary common "now": relative and absolute ends are independent
        probe = datetime(2000, 1, 1, tzinfo=UTC)
        if (low.absolute is None) == (high.absolute is None):
            return low.resolve(probe) > high.resolve(probe)
        return False
    return bool(low > high)


def cents(amount: Decimal | float | int) -> int:
    """An amount in whole cents, half away from zero (as both databases round)."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def integer_range(op: str, operand: Decimal | float | int) -> tuple[int | None, int | None] | None:
    """A comparison of a whole-number quantity with a real operand, as an inclusive range.

    Whole days and cents are integers: `days >= 44.5` is `days >= 45`. None means no integer
    satisfies the comparison (`eq 2.5`); a None end is open.
    """
    if op == "eq":
        return (int(operand), int(operand)) if operand == int(operand) else None
    if op == "gte":
        return (math.ceil(operand), None)
    if op == "gt":
        return (math.floor(operand) + 1, None)
    if op == "lte":
        return (None, math.floor(operand))
    if op == "lt":
        return (None, math.ceil(operand) - 1)
    raise ValueError(f"no integer range for operator {op!r}")
