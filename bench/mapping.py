"""Micro-benchmark of the mapping engine: records per second through `Mapping.apply`.

Run with `python -m bench.mapping`. Three seeded data sets of 100,000 records each: "simple"
(plain copies and cheap text transforms, the bulk of real mappings), "parsing" (numbers,
booleans, dates and enum maps) and "contact" (email and phone validation, a Liquid template,
the costliest built-ins). Each is timed best-of-five on one core.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from bench.options import parse
from hub.mapping import Mapping, default_transforms, load_mapping

SEED = 20240118
RECORDS = 100_000
ROUNDS = 5

HEADER = "version: 1\nsource: canonical.Contact\ntarget: bench.contacts\nkey: id\nfields:\n"

MAPPINGS = {
    "simple": """\
  id: {from: id}
  email: {from: email, transform: [strip, lower], required: true}
  firstname: {from: [first_name, given_name]}
  lastname: {from: last_name}
  company: {from: company.name}
  city: {from: address.city, transform: [strip]}
  country: {from: address.country, transform: [upper, {map: {UK: GB}}, {default: US}]}
  lifecyclestage: {const: customer}
  notes: {from: notes, transform: [{truncate: 200}], when_null: keep}
  source: {from: source}
""",
    "parsing": """\
  id: {from: id}
  score: {from: score, transform: [to_int]}
  spend: {from: spend, transform: [{to_decimal: 2}]}
  optin: {from: optin, transform: [to_bool], when_null: set_null}
  created: {from: created, transform: [to_datetime, to_iso]}
  tier: {from: tier, transform: [lower, {map: [{gold: 1, silver: 2, bronze: 3}, error]}]}
""",
    "contact": """\
  id: {from: id}
  email: {from: email, transform: [email], required: true}
  phone: {from: phone, transform: [{e164: GB}]}
  greeting: {template: "Hi {{ first_name | default: 'there' }}"}
""",
}


def make_records(rng: random.Random) -> list[dict[str, Any]]:
    records = []
    for i in range(RECORDS):
        records.append(
            {
                "id": i,
                "email": f" User{i}@Example.com ",
                "first_name": None if i % 3 == 0 else f"Name{i % 97}",
                "given_name": "Alex",
                "last_name": f"Last{i % 1013}",
                "company": {"name": f"Company {i % 211}"},
                "address": {"city": " London ", "country": rng.choice(["UK", "FR", "de", None])},
                "notes": "x" * rng.randint(0, 300),
                "source": "import",
                "phone": f"020 7946 {i % 10000:04d}",
                "score": str(rng.randint(0, 1000)),
                "spend": f"{rng.uniform(0, 500):.3f}",
                "optin": rng.choice(["yes", "no", "", "TRUE"]),
                "created": 1_700_000_000 + i,
                "tier": rng.choice(["Gold", "silver", "BRONZE"]),
            }
        )
    return records


def best_rate(
    apply: Callable[[dict[str, Any]], dict[str, Any]], records: list[dict[str, Any]]
) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for record in records:
            apply(record)
        best = min(best, time.perf_counter() - started)
    return len(records) / best


def compile_all() -> dict[str, Mapping]:
    registry = default_transforms()
    return {
        name: load_mapping(f"{name}.yaml", text=HEADER + fields, transforms=registry)
        for name, fields in MAPPINGS.items()
    }


def main(argv: list[str] | None = None) -> None:
    parse(__doc__, argv)  # --help; this one prints its figures only
    records = make_records(random.Random(SEED))
    print(f"{RECORDS:,} records, best of {ROUNDS} rounds, one core")
    for name, mapping in compile_all().items():
        rate = best_rate(mapping.apply, records)
        print(f"  {name:<8} {len(mapping.fields):>2} fields  {rate:>10,.0f} records/s")


if __name__ == "__main__":
    main()
