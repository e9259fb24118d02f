"""The lead pipeline's CRM side: hub.yaml's `leads:` section, and CRM records read back as
lead candidates.

    leads:
      reps: [ana, ben]                 # qualified leads assigned in rotation
      conflicts: {phone: crm, company: hub}   # per field: newest (default) | hub | crm
      follow_up: {trigger: lead_follow_up, template: lead-follow-up}
      crm:
        connection: crm                # a salesforce or hubspot connection
        stream: Lead                   # what is read back (dedup and the two-way sync)
        push: leads_to_crm             # the pipeline (store.leads → CRM) that writes leads
        id_field: Marketing_Platform_ID__c
        fields: {email: Email, first_name: FirstName, ...}   # lead field: CRM field

A CRM record becomes a candidate of origin `crm`, received when the CRM last changed it; it
carries the hub id held in `id_field`, so a lead found in the CRM keeps it. A CRM record
without that id (a lead sales typed in) is left alone: the hub could not write it back
without creating it twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.marketing.leads.merge import CRM_ORIGIN
from hub.marketing.leads.validation import InvalidLead, LeadCandidate, validate_lead

Policy = Literal["newest", "hub", "crm"]
SALESFORCE_FIELDS = {"email": "Email", "first_name": "FirstName", "last_name": "LastName",
                     "company": "Company", "phone": "Phone", "source": "LeadSource",
                     "campaign_id": "Campaign_ID__c", "id": "Id"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CrmSettings(_Strict):
    connection: str = Field(description="the CRM connection (salesforce or hubspot)")
    stream: str = Field(default="Lead", description="the CRM stream read back")
    push: str | None = Field(default=None, description="the pipeline writing the hub's leads "
                             "to the CRM (source: store.leads)")
    id_field: str = Field(default="Marketing_Platform_ID__c",
                          description="the CRM field holding the hub's lead id")
    modified_field: str = Field(default="SystemModstamp",
                                description="the CRM field saying when a record last changed")
    fields: dict[str, str] = Field(default_factory=lambda: dict(SALESFORCE_FIELDS),
                                   description="lead field: CRM field")


class FollowUpSettings(_Strict):
    trigger: str = "lead_follow_up"
    template: str = "lead-follow-up"


class LeadsSettings(_Strict):
    reps: list[str] = Field(default_factory=list)
    conflicts: dict[Literal["email", "first_name", "last_name", "company", "phone",
                            "campaign_id", "country"], Policy] = Field(default_factory=dict)
    follow_up: FollowUpSettings = Field(default_factory=FollowUpSettings)
    crm: CrmSettings | None = None


@dataclasses.dataclass(frozen=True)
class ReadBack:
    candidates: list[LeadCandidate]
    without_id: int  # CRM records without the hub's id, left alone
    invalid: list[tuple[str, InvalidLead]]  # (CRM id, why) of records not usable as leads


def read_back(records: list[Mapping[str, Any]], crm: CrmSettings, now: datetime) -> ReadBack:
    """The CRM's records as lead candidates of origin `crm`."""
    found: list[LeadCandidate] = []
    without_id = 0
    invalid: list[tuple[str, InvalidLead]] = []
    for record in records:
        hub_id = record.get(crm.id_field)
        if hub_id in (None, ""):
            without_id += 1
            continue
        raw = {name: record.get(field) for name, field in crm.fields.items()}
        raw["received_at"] = record.get(crm.modified_field)
        try:
            candidate = validate_lead(raw, now=now)
        except InvalidLead as exc:
            invalid.append((str(record.get("Id") or hub_id), exc))
            continue
        found.append(dataclasses.replace(candidate, origin=CRM_ORIGIN, lead_id=str(hub_id)))
    return ReadBack(found, without_id, invalid)
