"""The JSON schema of the grader's JSON outputs (schema.json) and a validator for each kind."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("result", "gradescope", "summary")


@cache
def load_schema() -> dict:
    """schema.json as a dict (its root validates result.json)."""
    return json.loads(resources.files("grader.report").joinpath("schema.json").read_text())


def validator(kind: str = "result"):
    """A jsonschema validator for one kind of output: result, gradescope or summary."""
    import jsonschema  # a test/CI dependency: imported only when validating

    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}; expected one of {', '.join(KINDS)}")
    schema = {**load_schema(), "$ref": f"#/$defs/{kind}"}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(data: Any, kind: str = "result") -> None:
    """Raise jsonschema.ValidationError when `data` is not a valid output of this kind."""
    validator(kind).validate(data)


def errors(data: Any, kind: str = "result") -> list[str]:
    """Every schema violation of `data`, as 'path: message' lines (empty when valid)."""
    out = []
    for err in sorted(validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message}")
    return out
