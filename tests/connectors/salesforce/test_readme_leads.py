"""README's "Leads through a CRM" section is true: its hub.yaml example is a valid `leads:`
section whose push pipeline and mapping exist, and every setting it shows is one the hub
reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from hub.config.schema import Pipeline
from hub.marketing.leads.crm import CrmSettings, LeadsSettings

ROOT = Path(__file__).resolve().parents[3]


def example() -> dict[str, Any]:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Leads through a CRM\n")
    [block] = re.findall(r"```yaml\n(.*?)```", text[start:text.index("\n## ", start + 1)],
                         flags=re.DOTALL)
    found: dict[str, Any] = yaml.safe_load(block)
    return found


def test_the_leads_example_validates_and_names_what_exists() -> None:
    doc = example()
    settings = LeadsSettings.model_validate(doc["leads"])
    assert settings.crm is not None
    assert settings.crm.push in doc["pipelines"]
    assert settings.conflicts == {"company": "crm", "phone": "newest"}
    push = Pipeline.model_validate(doc["pipelines"][settings.crm.push])
    assert (ROOT / str(push.mapping)).is_file()
    assert set(doc["leads"]["crm"]) == set(CrmSettings.model_fields)  # every setting shown
    assert set(settings.crm.fields) <= set(CrmSettings(connection="x").fields)


def test_a_conflict_policy_that_is_not_one_is_refused() -> None:
    doc = example()
    doc["leads"]["conflicts"]["phone"] = "sales"
    with pytest.raises(ValidationError, match=r"(?s)conflicts\.phone.*'newest', 'hub' or 'crm'"):
        LeadsSettings.model_validate(doc["leads"])
