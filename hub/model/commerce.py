"""Orders, carts and promotions from the e-commerce platform."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from hub.model.base import HubModel, NonEmpty, TenantRecord, UtcDatetime

Money = Decimal


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class LineItem(HubModel):
    """A product on an order or in a cart."""

    sku: NonEmpty
    product_name: str | None = None
    category: str | None = None
    quantity: int = Field(gt=0)
    unit_price: Money = Field(ge=0)

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


class OrderLine(LineItem):
    pass


class AppliedPromotion(HubModel):
    promotion_id: NonEmpty
    code: str | None = None
    discount: Money = Field(ge=0)


class Order(TenantRecord):
    id: NonEmpty
    contact_id: NonEmpty
    status: OrderStatus
    currency: str = Field(default="USD", min_length=3, max_length=3)
    total: Money = Field(ge=0)
    discount: Money = Field(default=Money(0), ge=0)
    lines: list[OrderLine] = Field(default_factory=list)
    promotions: list[AppliedPromotion] = Field(default_factory=list)
    cart_id: str | None = None
    campaign_id: str | None = None
    placed_at: UtcDatetime
    updated_at: UtcDatetime | None = None


class CartStatus(StrEnum):
    ACTIVE = "active"
    CONVERTED = "converted"
    CLEARED = "cleared"


class CartItem(LineItem):
    pass


class Cart(TenantRecord):
    id: NonEmpty
    contact_id: NonEmpty
    status: CartStatus = CartStatus.ACTIVE
    items: list[CartItem] = Field(default_factory=list)
    updated_at: UtcDatetime

    @property
    def value(self) -> Money:
        return sum((i.total for i in self.items), Money(0))


class PromotionKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"


class Promotion(TenantRecord):
    id: NonEmpty
    code: str | None = None
    kind: PromotionKind
    value: Money = Field(ge=0)
    campaign_id: str | None = None
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _percent_in_range(self) -> Promotion:
        if self.kind is PromotionKind.PERCENT and self.value > 100:
            raise ValueError("a percent promotion cannot exceed 100")
        return self
