"""Revenue attribution: each conversion's revenue credited to the touchpoints before it.

- `records`: touchpoints and conversions, validated;
- `engagement`: the opens and clicks the send path recorded, as touchpoints;
- `journeys`: touchpoints grouped once per conversion's lookback window;
- `models`: the models, and the weights of the heuristic ones (first and last touch, last
  non-direct, linear, position based, time decay);
- `markov`: first-order Markov-chain credit by removal effect;
- `credit`: credit per channel and per campaign for one model (`attribute`, `credit`);
- `report`: the same over the state store, several models side by side (`hub report
  attribution`).

    result = attribute(touchpoints, conversions, "position_based", lookback=timedelta(days=30))
"""

from __future__ import annotations

from hub.marketing.attribution.credit import AttributionResult, TouchCredit, attribute, credit
from hub.marketing.attribution.journeys import Journeys, build_journeys
from hub.marketing.attribution.markov import MarkovCredit, markov_credit
from hub.marketing.attribution.models import AttributionModel, Decay, pair_weights
from hub.marketing.attribution.records import Conversion, Touchpoint
from hub.marketing.attribution.report import (
    AttributionComparison,
    By,
    attribution_inputs,
    attribution_report,
    compare_models,
    parse_models,
)

__all__ = [
    "AttributionComparison",
    "AttributionModel",
    "AttributionResult",
    "By",
    "Conversion",
    "Decay",
    "Journeys",
    "MarkovCredit",
    "TouchCredit",
    "Touchpoint",
    "attribute",
    "attribution_inputs",
    "attribution_report",
    "build_journeys",
    "compare_models",
    "credit",
    "markov_credit",
    "pair_weights",
    "parse_models",
]
