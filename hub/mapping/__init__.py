"""The mapping engine: YAML files that say how a source record becomes a target payload.

A mapping file (version 1)::

    version: 1
    source: canonical.Contact        # <connector>.<stream> or canonical.<Model>
    target: hubspot.contacts         # <connector>.<object>
    key: email                       # target field(s) identifying a record: a name or a list
    description: optional free text
    fields:
      email:     {from: email, transform: [strip, email], required: true}
      firstname: {from: [first_name, given_name]}   # fallback paths: first non-null wins
      lastname:  {from: name, transform: [split_name, {pick: 1}]}
      phone:     {from: phone, transform: [{e164: {from: country}}], when_null: keep}
      stage:     {const: customer}
      greeting:  {template: "Hi {{ first_name | default: 'there' }}"}
      country:   {from: address.country, transform: [upper, {map: {UK: GB}}, {default: US}]}

Each field gives exactly one of ``from`` (a dotted path into the source record; a segment of
digits also indexes a list, ``emails.0``; or a list of such paths, the first non-null wins),
``const`` (any YAML value) or ``template`` (Liquid, rendered against the source record). Then,
optionally:

``transform``
    A chain applied in order. A step is a name (``lower``) or a one-key mapping
    ``{name: args}``: a list is the argument list (``{truncate: [200]}``), any other value is
    the single argument (``{truncate: 200}``, ``{map: {UK: GB}}``); to pass one list, wrap
    it (``{default: [[a, b]]}``). An argument written ``{from: path}`` (or a list of
    fallback paths) is read from the source record, and checked, per record; so a one-key
    mapping whose key is ``from`` cannot be passed literally. A null skips the steps that
    do not accept null and stays null, so ``default`` at the end of a chain still sees it.
``when_null``
    What a null value (after transforms) does: ``skip`` (default: the field is left out, so
    a missing value never wipes a good one), ``set_null`` (an explicit null clears the
    destination), ``keep`` (left out, and the engine is told to keep the destination's
    value: `Mapping.null_policy`).
``required``
    ``true`` makes a null value reject the record. Key fields are always required: a record
    the destination cannot identify cannot be synced.

A bad value (a transform or template raising ValueError or TypeError) rejects that record
alone with ``RecordError("field <name>: transform <t>: <reason>")``; the run goes on. The
built-in transforms are listed in `hub.mapping.transforms`; plugins add more through the
``hub_register_transforms`` hook.
"""

from __future__ import annotations

from hub.mapping.compiler import Mapping, compile_mapping
from hub.mapping.loader import check_files, find_mapping_files, load_mapping
from hub.mapping.schema import FieldRule, MappingFile, NullPolicy, TransformCall
from hub.mapping.transforms import accepts_null, checks_args, default_transforms

__all__ = [
    "FieldRule",
    "Mapping",
    "MappingFile",
    "NullPolicy",
    "TransformCall",
    "accepts_null",
    "check_files",
    "checks_args",
    "compile_mapping",
    "default_transforms",
    "find_mapping_files",
    "load_mapping",
]
