"""Duplicate detection and merging of leads.

Two records are the same lead when their email and company match once case and whitespace
are ignored (seed 003: "email+company combination"): the same person at two companies stays
two leads, two people at one company stay two leads.

Merging is field by field ("survivorship"): for each field the most recent non-empty value
wins, where "recent" is when the record was received (a stored lead counts as of its last
update). Two exceptions, each for a reason: `source` keeps the *first* source, because the
channel that brought the lead in is what marketing is credited for; activity counters keep
their *largest* value, because the same form re-sent must not double a lead's engagement.
Every source that contributed is recorded, with the id the lead has there.

A two-way sync with a CRM sets a conflict policy per field: `newest` (the rule above), `hub`
(the hub's value wins over the CRM's whenever the hub has one) or `crm` (the CRM's wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.marketing.leads.validation import LeadCandidate
from hub.model import Lead

DedupKey = tuple[str, str]
MERGED_FIELDS = ("email", "first_name", "last_name", "company", "phone", "campaign_id",
                 "country")
STORED_SOURCE = "hub"  # provenance of a value that came from the lead already in the store
CRM_ORIGIN = "crm"


def dedup_key(email: str, company: str) -> DedupKey:
    """Case- and whitespace-insensitive identity of a lead."""
    return ("".join(email.split()).casefold(), " ".join(company.split()).casefold())


def key_of(record: LeadCandidate | Lead) -> DedupKey:
    return dedup_key(record.email, record.company)


@dataclass(frozen=True)
class MergedLead:
    """The surviving values, where each came from, and the records merged into it."""

    key: DedupKey
    values: Mapping[str, Any]  # MERGED_FIELDS + source
    provenance: Mapping[str, str]  # field -> source of the surviving value
    sources: tuple[str, ...]  # every source that contributed, first seen first
    source_ids: Mapping[str, str]  # source -> the lead's id in that source
    attributes: Mapping[str, Any]
    activity: Mapping[str, float]
    records: int  # candidate records merged (the stored lead not counted)
    received_at: datetime  # of the most recent record
    existing: Lead | None
    issues: tuple[str, ...]
    known_id: str | None = None  # the hub id a record already carries, e.g. in the CRM
    from_crm: bool = False  # a record of this lead was read back from the CRM


def _stored_as_candidate(lead: Lead, at: datetime) -> LeadCandidate:
    return LeadCandidate(email=lead.email, first_name=lead.first_name, company=lead.company,
                         received_at=lead.updated_at or lead.created_at or at,
                         last_name=lead.last_name, phone=lead.phone, source=lead.source,
                         campaign_id=lead.campaign_id)


def _ranked(labelled: list[tuple[LeadCandidate, str]], policy: str
            ) -> list[tuple[LeadCandidate, str]]:
    """The records in the order their values overwrite: the winning side last."""
    if policy == "newest":
        return labelled
    crm_wins = policy == CRM_ORIGIN
    return sorted(labelled, key=lambda pair: (pair[0].origin == CRM_ORIGIN) == crm_wins)


def merge(candidates: Sequence[LeadCandidate], existing: Lead | None = None,
          policy: Mapping[str, str] | None = None) -> MergedLead:
    """Merge records of one lead (and the stored lead, if any) by field-level survivorship;
    `policy` names, per field, which side of a two-way sync wins (default: newest)."""
    if not candidates:
        raise ValueError("nothing to merge")
    keys = {key_of(c) for c in candidates} | ({key_of(existing)} if existing else set())
    if len(keys) != 1:
        raise ValueError(f"records of different leads cannot be merged: {sorted(keys)}")
    oldest = min(c.received_at for c in candidates)
    labelled: list[tuple[LeadCandidate, str]] = []
    if existing is not None:
        labelled.append((_stored_as_candidate(existing, oldest), STORED_SOURCE))
    labelled += [(c, c.source or "unknown") for c in candidates]
    # stable sort: records received at the same instant keep their input order
    labelled.sort(key=lambda pair: pair[0].received_at)

    values: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    activity: dict[str, float] = {}
    for name in MERGED_FIELDS:  # oldest first: later non-empty values overwrite
        for record, source in _ranked(labelled, (policy or {}).get(name, "newest")):
            value = getattr(record, name)
            if value not in (None, ""):
                values[name], provenance[name] = value, source
    for record, _ in labelled:
        attributes |= {k: v for k, v in record.attributes.items() if v not in (None, "")}
        for name, number in record.activity.items():
            activity[name] = max(activity.get(name, number), number)
    first_source = next((r.source for r, _ in labelled if r.source), None)
    values["source"] = existing.source if existing and existing.source else first_source
    sources = tuple(dict.fromkeys(s for _, s in labelled))
    source_ids = dict(existing.external_ids) if existing else {}
    source_ids |= {c.source or "unknown": c.source_id for c in candidates if c.source_id}
    return MergedLead(
        key=keys.pop(), values=values, provenance=provenance, sources=sources,
        source_ids=source_ids, attributes=attributes, activity=activity,
        records=len(candidates), received_at=max(c.received_at for c in candidates),
        existing=existing, issues=tuple(i for c in candidates for i in c.issues),
        known_id=next((c.lead_id for c in candidates if c.lead_id), None),
        from_crm=any(c.origin == CRM_ORIGIN for c in candidates))


def group(candidates: Iterable[LeadCandidate]) -> dict[DedupKey, list[LeadCandidate]]:
    """Candidates by dedup key, in first-seen order."""
    groups: dict[DedupKey, list[LeadCandidate]] = {}
    for candidate in candidates:
        groups.setdefault(key_of(candidate), []).append(candidate)
    return groups
