"""The JSON Schemas editors' tools read: content/schemas/*.schema.json, generated from schema.py.

pydantic describes a value as Python holds it after parsing; an editor's tool
(VS Code's YAML extension) sees the YAML as written, where `2027-06-25T17:00:00`
and `09:30` are plain strings. Its `format: date-time` wants an offset and its
`format: time` wants seconds, so it would underline correct values. Here dates,
date-times and times are described by patterns of what the build accepts, keys
of a mapping by `propertyNames`, and web addresses by their scheme, so that a
schema accepts what the build accepts. What a schema cannot say (an end after
its start, a session inside the cohort's dates, a date that exists) stays the
build's alone.

The schemas declare draft 7, the newest the YAML extension supports; the `$defs`
pydantic writes are reached by plain JSON pointers, which draft 7 resolves too.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from . import schema

DRAFT = "http://json-schema.org/draft-07/schema#"

# [0-9], not \d: a validator using Python's `re` would let \d match any Unicode digit.
_DATE = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_OFFSET = r"(?:Z|[+-]" + _CLOCK + ")"

DATE_PATTERN = f"^{_DATE}$"
DATETIME_PATTERN = f"^{_DATE}T{_CLOCK}(?::[0-5][0-9])?{_OFFSET}?$"
TIME_PATTERN = f"^{_CLOCK}$"


class EditorsJsonSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, with values described as editors write them in YAML.

    No schema uses `format`: editors' tools check it (each in its own way), standard
    validators by default do not, so a value would pass in one and fail in the other.
    Patterns mean the same everywhere.
    """

    def date_schema(self, schema: core_schema.DateSchema) -> JsonSchemaValue:
        """A date as `2027-09-24`."""
        return {"type": "string", "pattern": DATE_PATTERN,
                "patternErrorMessage": "expected a date such as 2027-09-24"}

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        """A date with a time, London time unless an offset follows."""
        return {"type": "string", "pattern": DATETIME_PATTERN,
                "patternErrorMessage": "expected a date and time such as 2027-06-25T17:00:00"}

    def time_schema(self, schema: core_schema.TimeSchema) -> JsonSchemaValue:
        """A 24-hour clock time as `09:30`."""
        return {"type": "string", "pattern": TIME_PATTERN,
                "patternErrorMessage": "expected a time such as 09:30"}

    def url_schema(self, schema: core_schema.UrlSchema) -> JsonSchemaValue:
        """A web address, which must start with one of the schemes the model allows."""
        json_schema = super().url_schema(schema)
        del json_schema["format"]  # see the class's docstring
        schemes = sorted(schema.get("allowed_schemes") or ())
        if schemes:
            json_schema["pattern"] = f"^(?:{'|'.join(schemes)})://[^/?#\\s]"
            json_schema["patternErrorMessage"] = (f"expected a web address starting with "
                                                  f"{schemes[-1]}://")
        return json_schema

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A mapping whose keys must match the key type's pattern (pydantic's own form,
        `patternProperties`, lets any other key through)."""
        json_schema = super().dict_schema(schema)
        patterns = json_schema.get("patternProperties", {})
        if len(patterns) == 1:
            (pattern, values), = patterns.items()
            del json_schema["patternProperties"]
            json_schema["propertyNames"] = {**json_schema.get("propertyNames", {}),
                                            "pattern": pattern}
            json_schema["additionalProperties"] = values
        return json_schema


def json_schema(model: type[schema.Contract]) -> dict[str, Any]:
    """The JSON Schema editors' tools use for files governed by `model`."""
    return {"$schema": DRAFT, **model.model_json_schema(schema_generator=EditorsJsonSchema)}


def json_schemas() -> dict[str, str]:
    """The JSON Schema text for each published schema file name."""
    return {c.schema_file: json.dumps(json_schema(c.model), indent=2, ensure_ascii=False) + "\n"
            for c in schema.COLLECTIONS}
