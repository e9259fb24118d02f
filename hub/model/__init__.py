"""The canonical marketing model: what every connector maps to and from."""

from __future__ import annotations

from hub.model.base import HubModel, TenantRecord
from hub.model.campaigns import (
    Campaign,
    CampaignStatus,
    CampaignType,
    CreativeApproval,
    Segment,
    Variant,
)
from hub.model.commerce import (
    AppliedPromotion,
    Cart,
    CartItem,
    CartStatus,
    Order,
    OrderLine,
    OrderStatus,
    Promotion,
    PromotionKind,
)
from hub.model.events import EVENT_TYPES, DomainEvent
from hub.model.messaging import EngagementEvent, EngagementType, Message, Touchpoint
from hub.model.people import (
    Channel,
    Company,
    Consent,
    ConsentStatus,
    Contact,
    Lead,
    LeadStatus,
    Suppression,
)

# Models a mapping may target as `canonical.<Name>`.
CANONICAL_MODELS: dict[str, type[HubModel]] = {
    m.__name__: m
    for m in (Contact, Company, Lead, Campaign, Segment, Message, EngagementEvent, Touchpoint,
              Order, Cart, Promotion)
}


def canonical_fields(target: str) -> frozenset[str] | None:
    """Field names of `canonical.<Model>`, or None for a target the hub does not model."""
    prefix, _, name = target.partition(".")
    model = CANONICAL_MODELS.get(name) if prefix == "canonical" else None
    return frozenset(model.model_fields) if model else None


__all__ = [
    "CANONICAL_MODELS",
    "EVENT_TYPES",
    "AppliedPromotion",
    "Campaign",
    "CampaignStatus",
    "CampaignType",
    "Cart",
    "CartItem",
    "CartStatus",
    "Channel",
    "Company",
    "Consent",
    "ConsentStatus",
    "Contact",
    "CreativeApproval",
    "DomainEvent",
    "EngagementEvent",
    "EngagementType",
    "HubModel",
    "Lead",
    "LeadStatus",
    "Message",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Promotion",
    "PromotionKind",
    "Segment",
    "Suppression",
    "TenantRecord",
    "Touchpoint",
    "Variant",
    "canonical_fields",
]
