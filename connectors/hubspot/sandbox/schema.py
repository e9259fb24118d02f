"""The CRM object types the sandbox serves and HubSpot's built-in association types."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ASSOCIATION_TYPES",
    "OBJECT_TYPES",
    "AssociationType",
    "ObjectType",
    "association_type",
    "default_association_type",
    "object_type",
]


@dataclass(frozen=True)
class ObjectType:
    """One CRM object type, by its plural API name (`contacts`) and type id (`0-1`)."""

    name: str
    type_id: str
    singular: str
    last_modified_property: str
    default_properties: tuple[str, ...]
    search_text_properties: tuple[str, ...]
    builtin_unique_properties: tuple[str, ...] = ()

    @property
    def always_returned(self) -> tuple[str, ...]:
        """HubSpot returns these with every record, whatever properties were asked for."""
        return ("createdate", self.last_modified_property, "hs_object_id")


CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    # Contacts keep the historical name; companies and deals use `hs_lastmodifieddate`.
    last_modified_property="lastmodifieddate",
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    search_text_properties=("email", "firstname", "lastname", "phone", "company"),
    builtin_unique_properties=("email",),
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    last_modified_property="hs_lastmodifieddate",
    default_properties=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    search_text_properties=("name", "domain", "website", "phone"),
)
DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    last_modified_property="hs_lastmodifieddate",
    default_properties=(
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    search_text_properties=("dealname",),
)

OBJECT_TYPES: dict[str, ObjectType] = {t.name: t for t in (CONTACTS, COMPANIES, DEALS)}
_ALIASES = {alias: t for t in OBJECT_TYPES.values() for alias in (t.name, t.type_id, t.singular)}


def object_type(name: str) -> ObjectType | None:
    """Resolve `contacts`, `contact` or `0-1` (as HubSpot's paths accept) to its type."""
    return _ALIASES.get(name.lower())


@dataclass(frozen=True)
class AssociationType:
    """A HUBSPOT_DEFINED association type: direction, label and the id of its inverse."""

    type_id: int
    from_type: str
    to_type: str
    label: str | None
    name: str
    inverse_id: int
    category: str = "HUBSPOT_DEFINED"


ASSOCIATION_TYPES: dict[int, AssociationType] = {
    t.type_id: t
    for t in (
        AssociationType(1, "contacts", "companies", "Primary", "contact_to_company", 2),
        AssociationType(2, "companies", "contacts", "Primary", "company_to_contact", 1),
        AssociationType(279, "contacts", "companies", None, "contact_to_company_unlabeled", 280),
        AssociationType(280, "companies", "contacts", None, "company_to_contact_unlabeled", 279),
        AssociationType(3, "deals", "contacts", None, "deal_to_contact", 4),
        AssociationType(4, "contacts", "deals", None, "contact_to_deal", 3),
        AssociationType(5, "deals", "companies", "Primary", "deal_to_company", 6),
        AssociationType(6, "companies", "deals", "Primary", "company_to_deal", 5),
        AssociationType(341, "deals", "companies", None, "deal_to_company_unlabeled", 342),
        AssociationType(342, "companies", "deals", None, "company_to_deal_unlabeled", 341),
    )
}

# Every labelled association also carries the pair's unlabelled default type, as in HubSpot.
_DEFAULT_TYPE_IDS = {
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
}


def association_type(type_id: int) -> AssociationType | None:
    """The built-in association type with this id, if any."""
    return ASSOCIATION_TYPES.get(type_id)


def default_association_type(from_type: str, to_type: str) -> AssociationType | None:
    """The unlabelled type between two object types, or None if they cannot be associated."""
    type_id = _DEFAULT_TYPE_IDS.get((from_type, to_type))
    return None if type_id is None else ASSOCIATION_TYPES[type_id]
