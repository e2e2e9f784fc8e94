"""Validating OCDS release packages against the official 1.1.5 schema, with no network.

The package schema refers to the release schema by its published URL; a local registry
resolves it. Codelist values are checked against the codelists' CSV files: a value outside
a closed codelist is an error.
"""

import csv
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
# The standard's repository archive, for libcoveocds (the Open Contracting Partnership's review
# tool) to run with no network: `libcoveocds --standard-zip procurement/ocds/schema/... FILE`.
STANDARD_ZIP = SCHEMA_DIR / "standard-schema-1__1__5.zip"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


@cache
def _schemas() -> tuple[dict, dict]:
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    return release, package


@cache
def _validator() -> Draft4Validator:
    release, package = _schemas()
    registry = Registry().with_resource(
        RELEASE_SCHEMA_URL, Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry)


@cache
def codelist(name: str) -> frozenset[str]:
    with (SCHEMA_DIR / "codelists" / name).open(newline="") as handle:
        return frozenset(row["Code"] for row in csv.DictReader(handle))


def _resolve(schema: dict, release_schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = release_schema["definitions"][name]
    return schema


def _codelist_errors(value, schema: dict, release_schema: dict, path: str) -> list[str]:
    schema = _resolve(schema, release_schema)
    errors = []
    if "codelist" in schema and not schema.get("openCodelist", False):
        allowed = codelist(schema["codelist"])
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is not None and item not in allowed:
                errors.append(
                    f"{path}: {item!r} is not in the closed codelist {schema['codelist']}"
                )
    if isinstance(value, dict):
        for key, child in value.items():
            child_schema = schema.get("properties", {}).get(key)
            if child_schema:
                errors += _codelist_errors(child, child_schema, release_schema, f"{path}/{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, child in enumerate(value):
            errors += _codelist_errors(child, schema["items"], release_schema, f"{path}/{index}")
    return errors


def package_errors(package: dict) -> list[str]:
    """Every schema and closed-codelist error in a release package; empty when it is valid."""
    errors = [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in _validator().iter_errors(package)
    ]
    release_schema, _ = _schemas()
    for index, release in enumerate(package.get("releases", [])):
        errors += _codelist_errors(release, release_schema, release_schema, f"releases/{index}")
    return errors
