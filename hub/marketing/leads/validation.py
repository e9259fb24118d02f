"""Lead capture: validate a raw lead, and score the quality of its data (seed 003).

A raw lead is a mapping, as a web form, an import file or a CRM hands it over. Validation
refuses a lead without an email, a first name or a company (the seed's required fields), or
with an email that is not an address: syntax and deliverability *shape* (a domain that could
receive mail) are checked by email-validator, without any DNS lookup. Every problem is named
by its field, all at once. Optional fields that cannot be understood (a phone number that is
not one) are dropped with an issue noted, since the lead is still worth following up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from hub.errors import DomainRuleError
from hub.marketing.common.clock import as_utc
from hub.model.fields import normalise_phone

REQUIRED = ("email", "first_name", "company")
OPTIONAL = ("last_name", "phone", "source", "campaign_id", "country")
# What people type when a form forces them to type something.
PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "-", "--", "test", "asdf", "xxx", "x",
                          "unknown", "?", "."})
FREE_MAIL = frozenset({"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
                       "live.com", "aol.com", "icloud.com", "me.com", "gmx.de", "gmx.net",
                       "web.de", "proton.me", "protonmail.com", "yandex.ru", "mail.ru"})


class InvalidLead(DomainRuleError):
    """A lead refused at capture; `problems` maps each offending field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        missing = [f for f, p in self.problems.items() if p == "is required"]
        detail = "; ".join(f"{f} {p}" for f, p in self.problems.items())
        super().__init__("lead.required" if missing else "lead.invalid",
                         f"lead refused: {detail} (required: {', '.join(REQUIRED)})")


@dataclass(frozen=True)
class LeadCandidate:
    """A validated lead record from one source, not yet deduplicated."""

    email: str
    first_name: str
    company: str
    received_at: datetime
    last_name: str | None = None
    phone: str | None = None
    source: str | None = None
    source_id: str | None = None
    campaign_id: str | None = None
    country: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    activity: Mapping[str, float] = field(default_factory=dict)
    issues: tuple[str, ...] = ()
    origin: str = "capture"  # "crm" for a record read back from the CRM
    lead_id: str | None = None  # the hub id the record already carries (a CRM's external id)

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]


def _text(value: object) -> str | None:
    """A trimmed string with inner runs of whitespace collapsed, or None when empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def check_email(value: str) -> str:
    """The normalised (lower-case) address; ValueError saying what is wrong with it."""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return str(result.normalized).lower()


def _moment(value: object, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise ValueError(f"must be a date-time, got {value!r}")
    return as_utc(value)


def _numbers(value: object, name: str, problems: dict[str, str]) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems[name] = "must be a mapping of names to numbers"
        return {}
    out: dict[str, float] = {}
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            problems[f"{name}.{key}"] = f"must be a number, got {number!r}"
        else:
            out[str(key)] = float(number)
    return out


def validate_lead(raw: Mapping[str, Any], *, now: datetime) -> LeadCandidate:
    """A `LeadCandidate`, or `InvalidLead` naming every field that stands in the way.

    Keys read: email, first_name, company (required); last_name, phone, source, campaign_id,
    country, id (the source's id), received_at (default `now`), attributes (fit data such as
    title, industry, employees), activity (numbers such as email_clicks, pricing_visits).
    """
    problems: dict[str, str] = {}
    values = {name: _text(raw.get(name)) for name in (*REQUIRED, *OPTIONAL)}
    for name in REQUIRED:
        if values[name] is None:
            problems[name] = "is required"
        elif name != "email" and values[name].casefold() in PLACEHOLDERS:  # type: ignore[union-attr]
            problems[name] = f"is a placeholder ({values[name]!r}), not a real value"
    email = values["email"]
    if email is not None:
        try:
            email = check_email(email)
        except ValueError as exc:
            problems["email"] = f"is not a valid address: {exc}"
    try:
        received_at = _moment(raw.get("received_at"), now)
    except ValueError as exc:
        problems["received_at"] = str(exc)
        received_at = now
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        problems["attributes"] = "must be a mapping"
        attributes = {}
    activity = _numbers(raw.get("activity"), "activity", problems)
    unknown = set(raw) - {*REQUIRED, *OPTIONAL, "id", "received_at", "attributes", "activity"}
    if unknown:
        problems[sorted(unknown)[0]] = (f"is not a lead field (unknown: {sorted(unknown)}; "
                                        "put extra data under attributes)")
    if problems:
        raise InvalidLead(problems)
    issues: list[str] = []
    phone = values["phone"]
    country = values["country"].upper() if values["country"] else None
    if phone is not None:
        try:
            phone = normalise_phone(phone, country)
        except ValueError as exc:
            issues.append(f"phone dropped: {exc}")
            phone = None
    first_name, company = values["first_name"], values["company"]
    if email is None or first_name is None or company is None:  # pragma: no cover - refused
        raise InvalidLead({"email": "is required"})
    return LeadCandidate(
        email=email, first_name=first_name, company=company,
        received_at=received_at, last_name=values["last_name"], phone=phone,
        source=values["source"], source_id=_text(raw.get("id")),
        campaign_id=values["campaign_id"], country=country, attributes=dict(attributes),
        activity=activity, issues=tuple(issues))


@dataclass(frozen=True)
class QualityScore:
    """Seed 003's three validations, each a share in [0, 1], and their mean as 0-100.

    - structure: the required fields are present;
    - content: the values present are well formed (an address, a phone number, names that
      are not placeholders or digits);
    - business: the lead is usable by sales: a business (not free-mail) address, a last name,
      a phone number, a known source.
    """

    structure: float
    content: float
    business: float
    issues: tuple[str, ...]

    @property
    def overall(self) -> float:
        return round(100 * (self.structure + self.content + self.business) / 3, 1)


def data_quality(raw: Mapping[str, Any]) -> QualityScore:
    """Score the data of a raw lead, refused or not: quality is measured, never assumed."""
    values = {name: _text(raw.get(name)) for name in (*REQUIRED, *OPTIONAL)}
    issues: list[str] = [f"{name} is missing" for name in REQUIRED if values[name] is None]
    structure = 1 - len(issues) / len(REQUIRED)

    checks: list[bool] = []
    email = values["email"]
    domain = ""
    if email is not None:
        try:
            domain = check_email(email).rpartition("@")[2]
            checks.append(True)
        except ValueError:
            checks.append(False)
            issues.append("email is not a valid address")
    for name in ("first_name", "last_name", "company"):
        value = values[name]
        if value is not None:
            plausible = value.casefold() not in PLACEHOLDERS and not value.isdigit()
            if name != "company":
                plausible = plausible and not any(ch.isdigit() for ch in value)
            checks.append(plausible)
            if not plausible:
                issues.append(f"{name} {value!r} does not look real")
    if values["phone"] is not None:
        try:
            normalise_phone(values["phone"], values["country"])
            checks.append(True)
        except ValueError:
            checks.append(False)
            issues.append("phone is not a valid number")
    content = sum(checks) / len(checks) if checks else 0.0

    usable = {
        "no business email address": bool(domain) and domain not in FREE_MAIL,
        "no last name": values["last_name"] is not None,
        "no phone number": values["phone"] is not None,
        "no source": values["source"] is not None,
    }
    issues += [lack for lack, ok in usable.items() if not ok]
    business = sum(usable.values()) / len(usable)
    return QualityScore(structure, content, business, tuple(issues))
