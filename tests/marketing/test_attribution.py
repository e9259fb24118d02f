"""Attribution: reference vectors, windows, every model's rules, Markov cross-check, refusals."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.attribution import (
    AttributionModel,
    AttributionResult,
    Conversion,
    Touchpoint,
    attribute,
    build_journeys,
    credit,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HEURISTICS = [m for m in AttributionModel if m is not AttributionModel.MARKOV]

# marketing-methods §7.2: (path, converted, how many contacts)
TOY_JOURNEYS = [
    ("email>sms", True, 30),
    ("email", False, 50),
    ("ads>email", True, 20),
    ("ads", False, 40),
    ("sms", True, 10),
    ("ads>sms", False, 25),
]


def touch(
    contact: str,
    hours: float,
    channel: str,
    campaign: str | None = None,
    *,
    direct: bool = False,
) -> Touchpoint:
    return Touchpoint(contact, T0 + timedelta(hours=hours), channel, campaign, direct)


def order(contact: str, hours: float, revenue: float, order_id: str) -> Conversion:
    return Conversion(contact, T0 + timedelta(hours=hours), revenue, order_id)


def journeys_data(
    paths: Sequence[tuple[Sequence[str], bool]], revenue: float = 1.0
) -> tuple[list[Touchpoint], list[Conversion]]:
    """One contact per path: touches an hour apart, then a conversion if it converted."""
    touches: list[Touchpoint] = []
    conversions: list[Conversion] = []
    for n, (channels, converted) in enumerate(paths):
        contact = f"contact-{n}"
        touches += [touch(contact, i, ch, f"{ch}-campaign") for i, ch in enumerate(channels)]
        if converted:
            conversions.append(order(contact, len(channels), revenue, f"order-{n}"))
    return touches, conversions


def toy_data() -> tuple[list[Touchpoint], list[Conversion]]:
    paths = [(p.split(">"), won) for p, won, count in TOY_JOURNEYS for _ in range(count)]
    return journeys_data(paths)


def assert_adds_up(result: AttributionResult) -> None:
    total = result.attributed_revenue
    assert math.fsum(result.revenue_by_channel.values()) == pytest.approx(total, rel=1e-9)
    assert math.fsum(result.revenue_by_campaign.values()) == pytest.approx(total, rel=1e-9)
    assert result.attributed_revenue + result.unattributed_revenue == result.total_revenue
    assert all(v >= 0 for v in result.revenue_by_channel.values())


# --- reference vectors (marketing-methods §7.2) -----------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (AttributionModel.FIRST_TOUCH, {"ads": 20, "email": 30, "sms": 10}),
        (AttributionModel.LAST_TOUCH, {"ads": 0, "email": 20, "sms": 40}),
        (AttributionModel.LINEAR, {"ads": 10, "email": 25, "sms": 25}),
        (AttributionModel.POSITION_BASED, {"ads": 10, "email": 25, "sms": 25}),
    ],
)
def test_heuristic_models_match_reference_vectors(
    model: AttributionModel, expected: dict[str, float]
) -> None:
    result = attribute(*toy_data(), model)
    assert result.conversions_by_channel == pytest.approx(expected, abs=1e-9)
    assert result.revenue_by_channel == pytest.approx(expected, abs=1e-9)
    assert result.attributed_conversions == 60
    assert_adds_up(result)


def test_markov_matches_reference_vectors() -> None:
    result = attribute(*toy_data(), AttributionModel.MARKOV)
    assert result.conversion_probability == pytest.approx(0.342857, abs=5e-7)
    assert result.removal_effects == pytest.approx(
        {"ads": 0.384615, "email": 0.641026, "sms": 0.666667}, abs=5e-7
    )
    assert result.conversions_by_channel == pytest.approx(
        {"ads": 13.6364, "email": 22.7273, "sms": 23.6364}, abs=5e-5
    )
    assert_adds_up(result)
    # campaigns mirror channels one to one in this data set, so their chain is the same
    assert result.revenue_by_campaign["email-campaign"] == pytest.approx(
        result.revenue_by_channel["email"], rel=1e-12
    )


def test_time_decay_weights_match_reference_vector() -> None:
    touches = [touch("c", 400 - age, ch) for age, ch in [(400, "a"), (200, "b"), (100, "c")]]
    touches.append(touch("c", 400, "d"))
    result = attribute(
        touches,
        [order("c", 400, 1.0, "o")],
        AttributionModel.TIME_DECAY,
        half_life=timedelta(hours=168),
        detail=True,
    )
    weights = [c.weight for c in result.touch_credits]
    assert weights == pytest.approx([0.090909, 0.181818, 0.363636, 0.363636], abs=5e-7)


# --- windows and totals -----------------------------------------------------------------------


def test_lookback_window_includes_both_boundaries_only() -> None:
    conversion_at = 30 * 24.0
    touches = [
        Touchpoint("c", T0 - timedelta(microseconds=1), "too-early"),
        touch("c", 0, "at-start"),
        touch("c", conversion_at, "at-conversion"),
        touch("c", conversion_at + 0.001, "after"),
    ]
    result = attribute(touches, [order("c", conversion_at, 100.0, "o")], "linear")
    assert result.revenue_by_channel == {
        "too-early": 0.0,
        "at-start": 50.0,
        "at-conversion": 50.0,
        "after": 0.0,
    }


def test_conversions_without_touches_are_unattributed_but_counted() -> None:
    touches = [touch("a", 0, "email"), touch("b", -24 * 40, "sms")]
    conversions = [
        order("a", 1, 70.0, "won"),
        order("b", 0, 20.0, "outside-window"),
        order("nobody", 0, 10.0, "unknown-contact"),
    ]
    result = attribute(touches, conversions, "first_touch")
    assert result.unattributed_conversion_ids == ("outside-window", "unknown-contact")
    assert (result.attributed_revenue, result.unattributed_revenue) == (70.0, 30.0)
    assert result.total_revenue == 100.0
    assert (result.conversions, result.attributed_conversions) == (3, 1)
    assert result.revenue_by_channel == {"email": 70.0, "sms": 0.0}


def test_each_conversion_is_credited_on_its_own_window() -> None:
    touches = [touch("c", 0, "email"), touch("c", 10, "sms"), touch("c", 30, "ads")]
    conversions = [order("c", 20, 100.0, "first"), order("c", 40, 60.0, "second")]
    result = attribute(touches, conversions, "linear")
    assert result.revenue_by_channel == pytest.approx({"email": 70.0, "sms": 70.0, "ads": 20.0})


def test_credit_is_aggregated_per_campaign_with_none_for_untracked_touches() -> None:
    touches = [touch("c", 0, "email", "spring"), touch("c", 1, "organic"), touch("d", 0, "sms")]
    conversions = [order("c", 2, 10.0, "o1"), order("d", 1, 4.0, "o2")]
    result = attribute(touches, conversions, "linear")
    assert result.revenue_by_campaign == {"spring": 5.0, None: 9.0}
    assert result.conversions_by_campaign == {"spring": 0.5, None: 1.5}


def test_touches_are_sorted_by_time_and_ties_keep_input_order() -> None:
    touches = [touch("c", 5, "late"), touch("c", 1, "tie-1"), touch("c", 1, "tie-2")]
    conversions = [order("c", 6, 1.0, "o")]
    assert attribute(touches, conversions, "first_touch").revenue_by_channel["tie-1"] == 1.0
    assert attribute(touches, conversions, "last_touch").revenue_by_channel["late"] == 1.0


def test_naive_datetimes_are_read_as_utc() -> None:
    naive = Touchpoint("c", datetime(2024, 3, 1, 12), "email")
    assert naive.occurred_at == datetime(2024, 3, 1, 12, tzinfo=UTC)


def test_empty_inputs_give_an_empty_result() -> None:
    for model in AttributionModel:
        result = attribute([], [], model)
        assert (result.total_revenue, result.conversions) == (0.0, 0)
        assert result.revenue_by_channel == {}


def test_prepared_journeys_credit_like_attribute() -> None:
    data = toy_data()
    journeys = build_journeys(*data)
    for model in AttributionModel:
        assert credit(journeys, model) == attribute(*data, model)


# --- model rules ------------------------------------------------------------------------------


def test_last_non_direct_skips_direct_touches_and_falls_back_to_last() -> None:
    touches = [
        touch("a", 0, "email"),
        touch("a", 1, "Direct"),  # by channel name, any case
        touch("b", 0, "sms"),
        touch("b", 1, "web", direct=True),  # by flag
        touch("c", 0, "direct"),
        touch("c", 1, "direct"),
    ]
    conversions = [order(c, 2, 10.0, f"o-{c}") for c in "abc"]
    result = attribute(touches, conversions, "last_non_direct")
    assert result.revenue_by_channel == {
        "email": 10.0,
        "Direct": 0.0,
        "sms": 10.0,
        "web": 0.0,
        "direct": 10.0,
    }


@pytest.mark.parametrize(
    ("touches", "expected"),
    [
        (1, [1.0]),
        (2, [0.5, 0.5]),
        (3, [0.4, 0.2, 0.4]),
        (5, [0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4]),
    ],
)
def test_position_based_weights(touches: int, expected: list[float]) -> None:
    data = [touch("c", i, f"ch{i}") for i in range(touches)]
    result = attribute(data, [order("c", touches, 1.0, "o")], "position_based", detail=True)
    assert [c.weight for c in result.touch_credits] == pytest.approx(expected, abs=1e-12)


def test_position_based_two_touches_split_the_middle_share() -> None:
    data = [touch("c", 0, "a"), touch("c", 1, "b")]
    result = attribute(
        data, [order("c", 2, 1.0, "o")], "position_based", position_weights=(0.6, 0.3, 0.1)
    )
    assert result.revenue_by_channel == pytest.approx({"a": 0.75, "b": 0.25})


def test_continuous_time_decay_halves_per_half_life() -> None:
    data = [touch("c", 0, "old"), touch("c", 24, "new")]
    result = attribute(
        data,
        [order("c", 24, 3.0, "o")],
        "time_decay",
        half_life=timedelta(hours=24),
        decay="continuous",
    )
    assert result.revenue_by_channel == pytest.approx({"old": 1.0, "new": 2.0})


def test_time_decay_survives_many_half_lives() -> None:
    data = [touch("c", 0, "old"), touch("c", 300 * 24, "new")]
    result = attribute(
        data,
        [order("c", 300 * 24 + 5, 8.0, "o")],
        "time_decay",
        lookback=timedelta(days=365),
        half_life=timedelta(minutes=1),
    )
    assert result.revenue_by_channel == {"old": 0.0, "new": 8.0}


# --- Markov cross-check against a direct removal --------------------------------------------


def removal_by_redirecting(
    paths: Sequence[tuple[Sequence[str], bool]],
) -> tuple[float, dict[str, float]]:
    """Textbook computation: redirect each channel's in-edges to null and solve again."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channels, converted in paths:
        states = ["(start)", *channels, "(conversion)" if converted else "(null)"]
        for a, b in itertools.pairwise(states):
            if a != b:
                counts[a][b] += 1
    transient = ["(start)", *sorted({c for channels, _ in paths for c in channels})]

    def p_conversion(removed: str | None) -> float:
        index = {s: i for i, s in enumerate(transient)}
        q = np.zeros((len(transient), len(transient)))
        r = np.zeros(len(transient))
        for a, row in counts.items():
            total = sum(row.values())
            for b, n in row.items():
                if b == removed:
                    continue  # into null
                if b == "(conversion)":
                    r[index[a]] += n / total
                elif b != "(null)":
                    q[index[a], index[b]] += n / total
        return float(np.linalg.solve(np.eye(len(transient)) - q, r)[0])

    base = p_conversion(None)
    return base, {c: 1.0 - p_conversion(c) / base for c in transient[1:]}


def test_markov_removal_effects_agree_with_direct_removal_on_random_journeys() -> None:
    rng = np.random.default_rng(7_1)
    channels = ["email", "sms", "ads", "social", "direct"]
    for _ in range(30):
        paths = [
            (list(rng.choice(channels, int(rng.integers(1, 6)))), bool(rng.random() < 0.4))
            for _ in range(int(rng.integers(5, 60)))
        ]
        if not any(converted for _, converted in paths):
            paths[0] = (paths[0][0], True)
        touches, conversions = journeys_data(paths, revenue=2.5)
        result = attribute(touches, conversions, AttributionModel.MARKOV)
        base, effects = removal_by_redirecting(paths)
        assert result.conversion_probability == pytest.approx(base, rel=1e-9)
        assert result.removal_effects == pytest.approx(effects, rel=1e-9, abs=1e-12)
        assert_adds_up(result)


# --- properties on random journeys ------------------------------------------------------------

journey = st.lists(
    st.tuples(st.sampled_from(["email", "sms", "ads", "direct"]), st.integers(0, 720 * 60)),
    min_size=1,
    max_size=8,
)
revenue = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


def random_data(
    journeys: list[list[tuple[str, int]]], revenues: list[float]
) -> tuple[list[Touchpoint], list[Conversion]]:
    """Each journey is one contact converting 720 h after T0; touches given in random order."""
    touches, conversions = [], []
    for n, (steps, value) in enumerate(zip(journeys, revenues, strict=False)):
        for channel, minutes_before in steps:
            at = T0 + timedelta(hours=720) - timedelta(minutes=minutes_before)
            touches.append(Touchpoint(f"c{n}", at, channel, f"{channel}-{n % 3}"))
        conversions.append(Conversion(f"c{n}", T0 + timedelta(hours=720), value, f"o{n}"))
    return touches, conversions


@settings(max_examples=80, deadline=None)
@given(st.lists(journey, min_size=1, max_size=6), st.lists(revenue, min_size=6, max_size=6))
def test_every_model_credits_exactly_the_revenue(
    journeys: list[list[tuple[str, int]]], revenues: list[float]
) -> None:
    touches, conversions = random_data(journeys, revenues)
    for model in AttributionModel:
        result = attribute(touches, conversions, model)
        assert result.attributed_conversions == len(journeys)
        assert result.unattributed_revenue == 0.0
        assert math.fsum(result.revenue_by_channel.values()) == pytest.approx(
            result.attributed_revenue, rel=1e-9, abs=1e-6
        )
        assert all(v >= 0 for v in result.revenue_by_campaign.values())


@settings(max_examples=80, deadline=None)
@given(st.lists(journey, min_size=1, max_size=6), st.lists(revenue, min_size=6, max_size=6))
def test_heuristic_weights_follow_their_rules(
    journeys: list[list[tuple[str, int]]], revenues: list[float]
) -> None:
    touches, conversions = random_data(journeys, revenues)
    converted_at = {c.id: c.occurred_at for c in conversions}
    value = {c.id: c.revenue for c in conversions}
    for model in HEURISTICS:
        result = attribute(touches, conversions, model, detail=True)
        per_conversion = defaultdict(list)
        for share in result.touch_credits:
            per_conversion[share.conversion_id].append(share)
        for conversion_id, shares in per_conversion.items():
            weights = [s.weight for s in shares]
            assert all(w >= 0 for w in weights)
            assert math.fsum(weights) == pytest.approx(1.0, rel=1e-12)
            assert math.fsum(s.revenue for s in shares) == pytest.approx(
                value[conversion_id], rel=1e-9, abs=1e-9
            )
            times = [s.touchpoint.occurred_at for s in shares]
            assert times == sorted(times)
            if model is AttributionModel.LINEAR:
                assert weights == pytest.approx([1.0 / len(weights)] * len(weights))
            if model in (AttributionModel.FIRST_TOUCH, AttributionModel.LAST_TOUCH):
                winners = [s for s in shares if s.weight == 1.0]
                assert len(winners) == 1
                assert sorted(weights)[:-1] == [0.0] * (len(weights) - 1)
                expected = min(times) if model is AttributionModel.FIRST_TOUCH else max(times)
                assert winners[0].touchpoint.occurred_at == expected
            if model is AttributionModel.TIME_DECAY:
                by_age = sorted(
                    shares, key=lambda s: converted_at[conversion_id] - s.touchpoint.occurred_at
                )
                recency = [s.weight for s in by_age]
                assert all(a >= b for a, b in itertools.pairwise(recency))


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "u_shape"}, "unknown attribution model 'u_shape'; choose one of first_touch"),
        ({"lookback": timedelta(0)}, "lookback must be a positive timedelta"),
        ({"half_life": timedelta(hours=-1)}, "half_life must be a positive timedelta"),
        ({"decay": "linear"}, "decay must be 'stepwise' or 'continuous'"),
        ({"position_weights": (0.5, 0.5, 0.5)}, "position_weights must be three shares"),
        ({"position_weights": (0.5, 0.5)}, "position_weights must be three shares"),
        ({"model": "markov", "detail": True}, "not single touchpoints"),
    ],
)
def test_refuses_bad_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        attribute(*toy_data(), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: order("c", 0, -5.0, "o"), "must be finite and >= 0, got -5.0"),
        (lambda: order("c", 0, float("nan"), "o"), "must be finite and >= 0"),
        (lambda: Conversion("c", T0, "12", "o"), "must be a number"),  # type: ignore[arg-type]
        (lambda: Conversion("", T0, 1.0, "o"), "conversion 'o' needs a contact id"),
        (lambda: Conversion("c", T0, 1.0, ""), "a conversion needs an id"),
        (lambda: Touchpoint("", T0, "email"), "a touchpoint needs a contact id"),
        (lambda: Touchpoint("c", T0, ""), "touchpoint of contact 'c' has no channel"),
        (lambda: Touchpoint("c", "2024-01-01", "email"), "must be a datetime"),  # type: ignore[arg-type]
    ],
)
def test_records_refuse_bad_values(make: object, message: str) -> None:
    with pytest.raises(DomainRuleError, match=message):
        make()  # type: ignore[operator]


def test_refuses_duplicate_conversion_ids() -> None:
    with pytest.raises(DomainRuleError, match=r"duplicate conversion ids: \['o'\]"):
        attribute([touch("c", 0, "email")], [order("c", 1, 1.0, "o"), order("c", 2, 1.0, "o")])
