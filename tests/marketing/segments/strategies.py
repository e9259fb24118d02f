"""Hypothesis strategies: small random shops and random segment trees.

Values are drawn near the boundaries the evaluators must agree on: instants a microsecond
or a second either side of a whole-day cutoff, amounts a cent either side of a threshold,
JSON properties of the wrong type, topic consents that override channel consents, events in
the future. Trees reference only earlier segments, so they are acyclic by construction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

from hub.marketing.segments.dataset import Dataset, Row

NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
TODAY = NOW.date()
DAYS = [0, 1, 13, 14, 15, 44, 45, 46, 89, 90, 180, 181, 400]
NUDGES = [timedelta(0), timedelta(microseconds=1), timedelta(microseconds=-1),
          timedelta(seconds=1), timedelta(seconds=-1), timedelta(hours=-7)]
STATUSES = ["completed", "paid", "refunded", "cancelled", "pending"]
CATEGORIES = ["Accessories", "Home", "Apparel", None]
AMOUNTS = [Decimal("0"), Decimal("19.99"), Decimal("20.00"), Decimal("20.01"), Decimal("49.5"),
           Decimal("100"), Decimal("0.5")]
CONTACT_IDS = ["c0", "c1", "c2", "C2", "c10", "ç3", "c4", "c5"]


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    if draw(st.integers(0, 14)) == 0:
        return NOW + timedelta(hours=draw(st.sampled_from([1, 30])))  # not happened yet
    return NOW - timedelta(days=draw(st.sampled_from(DAYS))) + draw(st.sampled_from(NUDGES))


def _properties() -> st.SearchStrategy[dict[str, Any]]:
    values: st.SearchStrategy[Any] = st.one_of(
        st.sampled_from(["pro", "free", "5", ""]), st.sampled_from([0, 5, 7.5, -1]),
        st.booleans(), st.none())
    return st.dictionaries(st.sampled_from(["plan", "score", "vip"]), values, max_size=3)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    data = Dataset()
    ids = draw(st.lists(st.sampled_from(CONTACT_IDS), min_size=1, max_size=8, unique=True))
    for cid in ids:
        data.contacts.append({
            "id": cid,
            "email": draw(st.sampled_from([f"{cid}@example.com", f"{cid}@Shop.io", None])),
            "lifecycle_stage": draw(st.sampled_from([None, "customer", "lead"])),
            "created_at": draw(st.one_of(st.none(), moments())),
            "properties": draw(_properties()), "external_ids": {}})
    for cid in ids:  # most contacts consent to email: messaging segments are not all empty
        if draw(st.integers(0, 4)):
            data.consents.append({"contact_id": cid, "channel": "email", "topic": "",
                                  "status": "opted_in", "source": "test", "recorded_at": NOW})
    for (cid, channel, topic) in draw(st.lists(st.tuples(
            st.sampled_from(ids), st.sampled_from(["email", "sms"]), st.sampled_from(["", "news"])),
            max_size=6, unique=True)):
        if any((c["contact_id"], c["channel"], c["topic"]) == (cid, channel, topic)
               for c in data.consents):
            continue  # already decided above
        data.consents.append({"contact_id": cid, "channel": channel, "topic": topic,
                              "status": draw(st.sampled_from(["opted_in", "opted_in",
                                                              "opted_out", "unknown"])),
                              "source": "test", "recorded_at": NOW})
    for (cid, channel) in draw(st.lists(st.tuples(st.sampled_from(ids),
                                                  st.sampled_from(["email", "sms"])),
                                        max_size=2, unique=True)):
        data.suppressions.append({"contact_id": cid, "channel": channel, "reason": "manual",
                                  "recorded_at": NOW})
    # contacts' orders, plus an order of a contact the store does not know
    owners = [*ids, "ghost"]
    for n in range(draw(st.integers(0, 20))):
        order_id = f"o{n}"
        when = draw(moments())
        # two orders at the very same instant make "the last order" plural
        if n and draw(st.integers(0, 5)) == 0:
            when = data.orders[-1]["placed_at"]
        data.orders.append({"id": order_id, "contact_id": draw(st.sampled_from(owners)),
                            "status": draw(st.sampled_from(STATUSES)), "currency": "USD",
                            "total": draw(st.sampled_from(AMOUNTS)),
                            "discount": Decimal(0), "placed_at": when})
        for line_no in range(draw(st.integers(0, 2))):
            data.order_lines.append({"order_id": order_id, "line_no": line_no, "sku": "s",
                                     "category": draw(st.sampled_from(CATEGORIES)),
                                     "quantity": 1, "unit_price": Decimal(1)})
        for promo in draw(st.lists(st.sampled_from(["p1", "p2"]), max_size=2, unique=True)):
            data.applied_promotions.append({"order_id": order_id, "promotion_id": promo,
                                            "code": promo.upper(), "discount": Decimal(5)})
    for n in range(draw(st.integers(0, 4))):
        data.carts.append({"id": f"k{n}", "contact_id": draw(st.sampled_from(ids)),
                           "status": draw(st.sampled_from(["active", "converted", "cleared"])),
                           "value": draw(st.sampled_from(AMOUNTS)), "updated_at": draw(moments())})
    for n in range(draw(st.integers(0, 10))):
        data.engagement_events.append({
            "id": f"e{n}", "type": draw(st.sampled_from(["sent", "opened", "clicked",
                                                         "bounced_soft", "bounced_hard"])),
            "channel": draw(st.sampled_from(["email", "sms"])),
            "contact_id": draw(st.sampled_from([*ids, None])),
            "campaign_id": draw(st.sampled_from([None, "spring", "fall"])),
            "provider": "resend", "provider_event_id": f"pe{n}", "occurred_at": draw(moments())})
    for n in range(draw(st.integers(0, 4))):
        data.touchpoints.append({"id": f"t{n}", "contact_id": draw(st.sampled_from(ids)),
                                 "channel": draw(st.sampled_from(["email", "organic"])),
                                 "kind": draw(st.sampled_from(["visit", "click", None])),
                                 "campaign_id": None, "occurred_at": draw(moments())})
    for day in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
        for cid in draw(st.lists(st.sampled_from(ids), max_size=4, unique=True)):
            data.rfm_snapshots.append(_rfm_row(draw, cid, day))
    return data


def _rfm_row(draw: st.DrawFn, cid: str, day: date) -> Row:
    r, f, m = (draw(st.integers(1, 5)) for _ in range(3))
    return {"snapshot_date": day, "contact_id": cid, "recency_days": draw(st.integers(0, 400)),
            "frequency": draw(st.integers(0, 6)), "monetary": draw(st.sampled_from(AMOUNTS)),
            "r_score": r, "f_score": f, "m_score": m, "composite": float(4 * r + 3 * f + 3 * m),
            "segment": draw(st.sampled_from(["champions", "at_risk", None]))}


def _ago() -> st.SearchStrategy[str]:
    return st.sampled_from(DAYS).map(lambda d: f"{d} days ago")


_NUMBER_OPS = st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"])


def _numeric(values: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    pick = st.sampled_from(values)
    return st.one_of(
        st.builds(lambda op, v: {op: v}, _NUMBER_OPS, pick),
        st.builds(lambda a, b: {"between": sorted([a, b])}, pick, pick),
        st.builds(lambda vs: {"in": vs}, st.lists(pick, min_size=1, max_size=3)),
        st.builds(lambda b: {"exists": b}, st.booleans()))


_DAY_VALUES = [0, 1, 14, 14.5, 44, 45, 46, 180, 181]
_COMPUTED: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "orders.count": _numeric([0, 1, 2, 0.5, 3]),
    "orders.total_spent": _numeric([0, 19.99, 20, 39.99, 40.0, 100.005]),
    "days_since_last_order": _numeric(_DAY_VALUES),
    "days_since_first_order": _numeric(_DAY_VALUES),
    "promotions.redeemed_ratio": _numeric([0, 0.5, 1, 0.25]),
    "lifecycle.stage": st.one_of(
        st.builds(lambda op, v: {op: v}, st.sampled_from(["eq", "ne"]),
                  st.sampled_from(["prospect", "active", "lapsed"])),
        st.builds(lambda v: {"in": v}, st.lists(st.sampled_from(["active", "lapsed"]),
                                                min_size=1, max_size=2))),
    "categories.last_order_missing": st.one_of(
        st.builds(lambda v: {"contains": v}, st.lists(st.sampled_from(
            ["Accessories", "Home", "Toys"]), min_size=1, max_size=2)),
        st.builds(lambda b: {"exists": b}, st.booleans())),
    "rfm.composite": _numeric([10, 38, 38.5, 50]),
    "rfm.r": _numeric([1, 3, 5]),
    "rfm.monetary": _numeric([19.99, 20, 49.5]),
    "rfm.segment": st.builds(lambda v: {"eq": v}, st.sampled_from(["champions", "at_risk"])),
}


def _leaf(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    window = st.one_of(st.just({}), st.builds(lambda d: {"within": f"{d} days"},
                                              st.sampled_from([1, 14, 45, 90])),
                       st.builds(lambda a: {"after": a}, _ago()),
                       st.builds(lambda a, b: {"after": a, "before": b}, _ago(), _ago()))
    counts = st.one_of(st.just({}), st.builds(lambda n: {"at_least": n}, st.integers(0, 3)),
                       st.builds(lambda n: {"at_most": n}, st.integers(0, 2)))
    computed = st.sampled_from(list(_COMPUTED)).flatmap(
        lambda n: _COMPUTED[n].map(lambda ops: {"computed": n, **ops}))
    leaves: list[st.SearchStrategy[dict[str, Any]]] = [
        computed, computed, computed, computed,  # the richest semantics: drawn most often
        st.builds(lambda op, v: {"attribute": "email", op: v},
                  st.sampled_from(["eq", "ne", "contains"]),
                  st.sampled_from(["c0@example.com", "Shop", "c1@Shop.io", "@"])),
        st.builds(lambda v: {"attribute": "lifecycle_stage", "in": v},
                  st.lists(st.sampled_from(["customer", "lead"]), min_size=1, max_size=2)),
        st.builds(lambda op, v: {"attribute": "created_at", op: v},
                  st.sampled_from(["gte", "lt"]), _ago()),
        st.builds(lambda b: {"attribute": "created_at", "exists": b}, st.booleans()),
        st.builds(lambda v: {"attribute": "properties.plan", "eq": v},
                  st.sampled_from(["pro", "free", "5"])),
        st.builds(lambda op, v: {"attribute": "properties.score", op: v},
                  st.sampled_from(["gt", "lte", "eq"]), st.sampled_from([0, 5, 7.5])),
        st.builds(lambda v: {"attribute": "properties.vip", "eq": v}, st.booleans()),
        st.builds(lambda b: {"attribute": "properties.plan", "exists": b}, st.booleans()),
        st.builds(lambda name, w, c, where: {"event": name, **w, **c, **where},
                  st.sampled_from(["order.created", "cart.updated", "promotion.redeemed",
                                   "touchpoint", "email.open", "email.click"]),
                  window, counts, st.just({})),
        st.builds(lambda w, c, total: {"event": "order.created", **w, **c,
                                       "where": {"status": "completed", "total": {"gte": total}}},
                  window, counts, st.sampled_from([20, 19.99, 0])),
        st.builds(lambda kind, channel, camp, w, c: {
            "engagement": kind, "channel": channel, **camp, **w, **c},
            st.sampled_from(["opened", "clicked", "bounced", "sent"]),
            st.sampled_from(["email", "sms"]),
            st.sampled_from([{}, {"campaign": "spring"}]), window, counts),
        st.builds(lambda ch, topic, statuses: {"consent": ch, **topic, "in": statuses},
                  st.sampled_from(["email", "sms"]), st.sampled_from([{}, {"topic": "news"}]),
                  st.lists(st.sampled_from(["opted_in", "opted_out", "unknown"]), min_size=1,
                           max_size=2, unique=True)),
        st.builds(lambda ch, topic: {"subscribed": ch, **topic},
                  st.sampled_from(["email", "sms"]), st.sampled_from([{}, {"topic": "news"}])),
        st.builds(lambda salt, ops: {"random_bucket": salt, **ops},
                  st.sampled_from(["a", "holdout"]), _numeric([0, 10, 50, 99.5])),
    ]
    if names:
        leaves.append(st.sampled_from(names).map(lambda n: {"segment": n}))
    return st.one_of(*leaves)


def trees(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        _leaf(names),
        lambda inner: st.one_of(
            st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda x: {"not": x}, inner)),
        max_leaves=6)


@st.composite
def segment_files(draw: st.DrawFn, leaves: int = 4, count: int = 7) -> str:
    """A segment file: single conditions first (the most sensitive comparison), then
    trees; s<i> may reference s<j> for j < i."""
    segments: dict[str, Any] = {}
    for i in range(count):
        names = [f"s{j}" for j in range(i)]
        criteria = draw(_leaf(names) if i < leaves else trees(names))
        spec: dict[str, Any] = {"criteria": criteria}
        if draw(st.booleans()):
            spec["for_messaging"] = False
        else:
            spec["channel"] = draw(st.sampled_from(["email", "sms"]))
            if draw(st.booleans()):
                spec["topic"] = "news"
        segments[f"s{i}"] = spec
    return yaml.safe_dump({"version": 1, "segments": segments}, sort_keys=False)
