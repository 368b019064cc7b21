"""The JSON schema of the grader's JSON outputs (schema.json) and a validator for each kind.

schema.json holds the shapes; the vocabulary comes from the code when the
schema is loaded: a check's status is one of the Status values, its id one of
the declared checks (grader.checks.catalog) or one of the grader's own error
records (`grader.*`, a batch's stand-in for a submission it could not grade).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from grader.checks.catalog import catalog
from grader.result import STATUSES

KINDS = ("result", "gradescope", "summary")
ERROR_RECORD_IDS = r"^grader\.[a-z_]+$"


@cache
def _schema_file() -> dict:
    return json.loads(resources.files("grader.report").joinpath("schema.json").read_text())


def load_schema() -> dict:
    """schema.json as a dict (its root validates result.json), with the statuses and check ids declared now."""
    schema = copy.deepcopy(_schema_file())
    definitions = schema["$defs"]
    definitions["status"] = {"enum": list(STATUSES)}
    definitions["check"]["properties"]["id"]["anyOf"] = [{"enum": list(catalog())}, {"pattern": ERROR_RECORD_IDS}]
    return schema


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
