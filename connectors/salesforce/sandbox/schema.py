"""The sObjects the sandbox org holds and their fields, as `describe` reports them.

Standard fields carry Salesforce's types, lengths and flags (which are required, read-only or
external ids); the custom fields are those seed 003 maps to (`Marketing_Platform_ID__c`, an
external id on each object the hub upserts, `Lead_Score__c`, `Campaign_ID__c`) and its custom
object `Lead_Interaction__c`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["OBJECTS", "Field", "SObject", "sobject"]


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    external_id: bool = False
    unique: bool = False
    defaulted: bool = False
    reference_to: str | None = None  # the object a lookup points at

    @property
    def required(self) -> bool:
        """Salesforce's required field: one a create must give a value."""
        return self.createable and not self.nillable and not self.defaulted

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "label": self.name.removesuffix("__c").replace("_", " "),
            "type": self.type, "length": self.length, "createable": self.createable,
            "updateable": self.updateable, "nillable": self.nillable,
            "externalId": self.external_id, "unique": self.unique,
            "idLookup": self.external_id or self.type == "id",
            "defaultedOnCreate": self.defaulted, "custom": self.name.endswith("__c"),
            "precision": 18 if self.type in ("double", "currency") else 0,
            "scale": 2 if self.type == "currency" else 0,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.relationship,
        }

    @property
    def relationship(self) -> str | None:
        """How a record names the lookup's target by external id (`Campaign`, `Lead__r`)."""
        if self.reference_to is None:
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        return self.name.removesuffix("Id")


@dataclass(frozen=True)
class SObject:
    name: str
    key_prefix: str
    fields: tuple[Field, ...]

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name.lower(): f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self.by_name.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The lookup field a relationship name (`Campaign`, `Lead__r`) stands for."""
        return next((f for f in self.fields if f.relationship and
                     f.relationship.lower() == name.lower()), None)

    def describe(self, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name, "label": self.name.removesuffix("__c").replace("_", " "),
            "keyPrefix": self.key_prefix, "custom": self.name.endswith("__c"),
            "createable": True, "updateable": True, "deletable": True, "queryable": True,
            "fields": [f.describe() for f in self.fields],
            "urls": {"sobject": base, "describe": f"{base}/describe",
                     "rowTemplate": f"{base}/{{ID}}"},
        }


def _system(*extra: Field) -> tuple[Field, ...]:
    read_only = [("Id", "id", 18), ("IsDeleted", "boolean", 0), ("CreatedDate", "datetime", 0),
                 ("LastModifiedDate", "datetime", 0), ("SystemModstamp", "datetime", 0)]
    return (*(Field(name, kind, length, createable=False, updateable=False, nillable=False,
                    defaulted=True) for name, kind, length in read_only), *extra)


def _hub_id() -> Field:
    return Field("Marketing_Platform_ID__c", "string", 80, external_id=True, unique=True)


OBJECTS: dict[str, SObject] = {o.name.lower(): o for o in (
    SObject("Lead", "00Q", _system(
        Field("FirstName", "string", 40), Field("LastName", "string", 80, nillable=False),
        Field("Company", "string", 255, nillable=False), Field("Email", "email", 80),
        Field("Phone", "phone", 40), Field("Title", "string", 128),
        Field("Status", "picklist", 255, nillable=False, defaulted=True),
        Field("LeadSource", "picklist", 255), Field("OwnerId", "reference", 18, defaulted=True,
                                                    nillable=False),
        Field("IsConverted", "boolean", nillable=False, defaulted=True, createable=False,
              updateable=False),
        _hub_id(), Field("Lead_Score__c", "double"), Field("Campaign_ID__c", "string", 80),
    )),
    SObject("Contact", "003", _system(
        Field("FirstName", "string", 40), Field("LastName", "string", 80, nillable=False),
        Field("Email", "email", 80), Field("Phone", "phone", 40),
        Field("AccountId", "reference", 18, reference_to="Account"),
        Field("LeadSource", "picklist", 255),
        _hub_id(), Field("Lead_Score__c", "double"),
    )),
    SObject("Account", "001", _system(
        Field("Name", "string", 255, nillable=False), Field("Website", "url", 255),
        Field("Industry", "picklist", 255), Field("NumberOfEmployees", "int"), _hub_id(),
    )),
    SObject("Campaign", "701", _system(
        Field("Name", "string", 80, nillable=False), Field("Type", "picklist", 255),
        Field("Status", "picklist", 255), Field("StartDate", "date"), Field("EndDate", "date"),
        Field("BudgetedCost", "currency"), Field("ActualCost", "currency"),
        Field("IsActive", "boolean", defaulted=True, nillable=False), _hub_id(),
    )),
    SObject("CampaignMember", "00v", _system(
        Field("CampaignId", "reference", 18, nillable=False, updateable=False,
              reference_to="Campaign"),
        Field("LeadId", "reference", 18, updateable=False, reference_to="Lead"),
        Field("ContactId", "reference", 18, updateable=False, reference_to="Contact"),
        Field("Status", "picklist", 255, defaulted=True, nillable=False), _hub_id(),
    )),
    SObject("Opportunity", "006", _system(
        Field("Name", "string", 120, nillable=False), Field("Amount", "currency"),
        Field("StageName", "picklist", 255, nillable=False), Field("CloseDate", "date",
                                                                   nillable=False),
        Field("IsWon", "boolean", nillable=False, defaulted=True, createable=False,
              updateable=False),
        Field("IsClosed", "boolean", nillable=False, defaulted=True, createable=False,
              updateable=False),
        Field("AccountId", "reference", 18, reference_to="Account"),
        Field("ContactId", "reference", 18, reference_to="Contact"),
        Field("CampaignId", "reference", 18, reference_to="Campaign"), _hub_id(),
    )),
    SObject("Lead_Interaction__c", "a00", _system(
        Field("Name", "string", 80, defaulted=True, nillable=False),
        Field("Interaction_Type__c", "string", 80), Field("Interaction_Date__c", "datetime"),
        Field("Campaign__c", "reference", 18, reference_to="Campaign"),
        Field("Lead__c", "reference", 18, reference_to="Lead"),
        Field("Engagement_Score__c", "double"),
        _hub_id(),
    )),
)}

#: a stage name that closes an opportunity as won
WON_STAGES = frozenset({"Closed Won"})
CLOSED_STAGES = frozenset({"Closed Won", "Closed Lost"})


def sobject(name: str) -> SObject | None:
    return OBJECTS.get(name.lower())
