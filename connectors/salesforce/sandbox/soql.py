"""The part of SOQL a sync needs: `SELECT fields FROM Object [WHERE …] [ORDER BY …] [LIMIT n]`,
where conditions are comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`, `IN (…)`) joined by
AND, OR, NOT and parentheses, on strings, numbers, booleans, null and date-time literals.
Anything else is Salesforce's 400 MALFORMED_QUERY; an unknown field INVALID_FIELD."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .schema import SObject, sobject
from .values import parse_instant

__all__ = ["Query", "QueryError", "parse"]

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<instant>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?(?:Z|[+-]\d\d:?\d\d))
  | (?P<date>\d{4}-\d\d-\d\d)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
)""", re.VERBOSE)

Row = dict[str, Any]
Predicate = Callable[[Row], bool]


class QueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Query:
    sobject: SObject
    fields: tuple[str, ...]
    where: Predicate
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    limit: int | None


@dataclass(frozen=True)
class _Literal:
    value: Any
    instant: int | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise QueryError("MALFORMED_QUERY", f"unexpected token: '{text[position:][:20]}'")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.at = 0
        self.sobject: SObject | None = None

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        found = self.peek()
        if found and found[0] == "word" and found[1].upper() in words:
            self.at += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> str:
        found = self.peek()
        if found is None or found[0] != kind or (value and found[1].upper() != value):
            said = found[1] if found else "end of query"
            raise QueryError("MALFORMED_QUERY", f"unexpected token: '{said}'")
        self.at += 1
        return found[1]

    def field(self) -> str:
        name = self.expect("word")
        assert self.sobject is not None
        found = self.sobject.field(name)
        if found is None:
            raise QueryError("INVALID_FIELD", f"No such column '{name}' on entity "
                             f"'{self.sobject.name}'. If you are attempting to use a custom "
                             "field, be sure to append the '__c' after the custom field name.")
        return found.name

    def parse(self) -> Query:
        self.expect("word", "SELECT")
        names = [self.expect("word")]
        while self.peek() == ("punct", ","):
            self.at += 1
            names.append(self.expect("word"))
        self.expect("word", "FROM")
        object_name = self.expect("word")
        self.sobject = sobject(object_name)
        if self.sobject is None:
            raise QueryError("INVALID_TYPE", f"sObject type '{object_name}' is not supported.")
        at, self.at = self.at, 0
        self.tokens, rest = [("word", n) for n in names], self.tokens
        fields = tuple(self.field() for _ in names)
        self.tokens, self.at = rest, at
        where: Predicate = lambda row: True  # noqa: E731
        if self.word("WHERE"):
            where = self.disjunction()
        order: list[tuple[str, bool]] = []
        if self.word("ORDER"):
            self.expect("word", "BY")
            while True:
                name = self.field()
                descending = self.word("DESC")
                if not descending:
                    self.word("ASC")
                if self.word("NULLS"):
                    self.expect("word")
                order.append((name, descending))
                if self.peek() != ("punct", ","):
                    break
                self.at += 1
        limit = int(self.expect("number")) if self.word("LIMIT") else None
        if self.peek() is not None:
            raise QueryError("MALFORMED_QUERY", f"unexpected token: '{self.peek()[1]}'")  # type: ignore[index]
        return Query(self.sobject, fields, where, tuple(order), limit)

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.word("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda row: any(p(row) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.factor()]
        while self.word("AND"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else lambda row: all(p(row) for p in parts)

    def factor(self) -> Predicate:
        if self.word("NOT"):
            inner = self.factor()
            return lambda row: not inner(row)
        if self.peek() == ("punct", "("):
            self.at += 1
            inner = self.disjunction()
            self.expect("punct")
            return inner
        name = self.field()
        if self.word("IN"):
            self.expect("punct")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.at += 1
                values.append(self.literal())
            self.expect("punct")
            return lambda row: any(_compare(row.get(name), "=", v) for v in values)
        if self.word("LIKE"):
            pattern = self.literal().value
            regex = re.compile("^" + re.escape(str(pattern)).replace("%", ".*").replace("_", ".")
                               + "$", re.IGNORECASE)
            return lambda row: row.get(name) is not None and bool(regex.match(str(row[name])))
        op = self.expect("op")
        value = self.literal()
        return lambda row: _compare(row.get(name), op, value)

    def literal(self) -> _Literal:
        kind, text = self.peek() or ("", "")
        self.at += 1
        if kind == "string":
            return _Literal(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "instant":
            return _Literal(text, parse_instant(text))
        if kind == "date":
            return _Literal(text)
        if kind == "number":
            return _Literal(float(text) if "." in text else int(text))
        if kind == "word" and text.upper() in ("TRUE", "FALSE"):
            return _Literal(text.upper() == "TRUE")
        if kind == "word" and text.upper() == "NULL":
            return _Literal(None)
        raise QueryError("MALFORMED_QUERY", f"unexpected token: '{text or 'end of query'}'")


def _compare(actual: Any, op: str, literal: _Literal) -> bool:
    expected: Any = literal.value
    if literal.instant is not None:
        expected = literal.instant
        actual = parse_instant(actual) if isinstance(actual, str) else None
    elif isinstance(actual, str) and isinstance(expected, str) and op in ("=", "!=", "<>"):
        actual, expected = actual.lower(), expected.lower()  # SOQL compares text without case
    if op == "=":
        return bool(actual == expected)
    if op in ("!=", "<>"):
        return bool(actual != expected)
    if actual is None or expected is None:
        return False
    try:
        return bool({"<": actual < expected, "<=": actual <= expected,
                     ">": actual > expected, ">=": actual >= expected}[op])
    except TypeError:
        return False


def parse(text: str) -> Query:
    """A query, or QueryError in Salesforce's words."""
    return _Parser(text).parse()
