#!/usr/bin/env python3
"""Extract the OpenAPI examples of the UserFactor spec into JSON test fixtures.

Reads the OpenAPI 3 document (default: ../shared/spec/userfactor-current.yaml,
relative to the repository root) and writes one JSON file per (operation,
example) into crates/okta-factors-core/tests/fixtures/spec/. It also copies the
real wire vectors (every *.json plus README.md, byte for byte) from
../shared/vectors into crates/okta-factors-core/tests/fixtures/vectors/, and the
two OpenAPI documents themselves (SPEC and userfactor-v3.0.yaml beside it, byte
for byte) into crates/okta-factors-core/tests/fixtures/openapi/, for the tests
that walk the schemas.

Usage, from the repository root:

    python3 scripts/extract-spec-fixtures.py [SPEC] [--vectors DIR] [--check]

Each spec fixture is

    {"operation": "verify_factor", "kind": "request" | "response",
     "status": 200 | null, "example": "<example key in the YAML>",
     "component": "<components/examples name if reached through $ref, else null>",
     ["note": "..."],  # only where the spec example is known to be wrong
     "body": <example value as written in the spec>,
     "wire_body": <the body as it goes over the wire>}

`wire_body` equals `body` except for examples that the spec accidentally
double-nests (an Example Object inside an example value); there `body` keeps
what the spec says and `wire_body` holds the real body.

The YAML is read so that values come out exactly as JSON would carry them:
unquoted timestamps stay strings, YAML 1.1-only forms (yes/no/on/off booleans,
octal/sexagesimal/underscored numbers, .inf/.nan) and duplicate keys are
errors, and any value that is not a JSON type aborts the run instead of being
silently converted. The output is deterministic: stale *.json files are
deleted and every file is rewritten from scratch on each run.

Requires Python 3.8+ and PyYAML (python3 -m pip install pyyaml).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "error: this script needs PyYAML, which is not installed.\n"
        "Install it with:  python3 -m pip install pyyaml\n"
        "(or on Debian/Ubuntu:  apt-get install python3-yaml)"
    )

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT / ".." / "shared" / "spec" / "userfactor-current.yaml"
DEFAULT_VECTORS = REPO_ROOT / ".." / "shared" / "vectors"
FIXTURES_DIR = REPO_ROOT / "crates" / "okta-factors-core" / "tests" / "fixtures"
SPEC_OUT = FIXTURES_DIR / "spec"
VECTORS_OUT = FIXTURES_DIR / "vectors"
OPENAPI_OUT = FIXTURES_DIR / "openapi"
# The older spec, read from the same folder as SPEC.
OLDER_SPEC_NAME = "userfactor-v3.0.yaml"

# operationId -> operation name used by the crate (and in fixture names).
OPERATIONS = {
    "listFactors": "list_factors",
    "enrollFactor": "enroll_factor",
    "getFactor": "get_factor",
    "unenrollFactor": "unenroll_factor",
    "activateFactor": "activate_factor",
    "resendEnrollFactor": "resend_enroll_factor",
    "verifyFactor": "verify_factor",
    "getFactorTransactionStatus": "get_factor_transaction_status",
    "listSupportedFactors": "list_supported_factors",
    "listSupportedSecurityQuestions": "list_supported_security_questions",
}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA_TYPE = "application/json"
EXAMPLE_REF_PREFIX = "#/components/examples/"
# Name given to a media type's single inline `example:` (it has no key of its own).
INLINE_EXAMPLE_NAME = "example"


class SpecError(Exception):
    """The spec cannot be turned into fixtures faithfully."""


# --------------------------------------------------------------------------
# YAML loading: JSON semantics, no silent conversions
# --------------------------------------------------------------------------

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# What YAML 1.2's JSON-compatible core schema accepts; anything else that
# PyYAML's YAML 1.1 resolver turns into a bool/int/float is rejected.
CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
CORE_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
CORE_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
# Plain scalars that YAML 1.1 (PyYAML) reads as strings but a YAML 1.2 parser
# would read as numbers, e.g. `000004102994`. They stay strings here (that is
# what the spec's authors meant); the run lists them so a reader can check.
CORE12_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"{Path(mark.name).name}:{mark.line + 1}:{mark.column + 1}"


class SpecLoader(yaml.SafeLoader):
    """SafeLoader that yields only JSON types and refuses YAML 1.1 surprises."""

    ambiguous_strings: list  # (location, text); reset per load

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise SpecError(
                        f"{_where(key_node)}: mapping key {key!r} is a "
                        f"{type(key).__name__}, not a string; quote it"
                    )
                if key in seen:
                    raise SpecError(f"{_where(key_node)}: duplicate key {key!r}")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node):
        text = self.construct_scalar(node)
        if not CORE_BOOL.match(text):
            raise SpecError(
                f"{_where(node)}: {text!r} is a boolean only in YAML 1.1; "
                "quote it if a string is meant, or write true/false"
            )
        return super().construct_yaml_bool(node)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if not CORE_INT.match(text):
            raise SpecError(
                f"{_where(node)}: {text!r} is an integer only in YAML 1.1 "
                "(octal/hex/binary/sexagesimal/underscores); quote it"
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):
        text = self.construct_scalar(node)
        if not CORE_FLOAT.match(text):
            raise SpecError(
                f"{_where(node)}: {text!r} is not a JSON number "
                "(.inf/.nan/sexagesimal/underscores); quote it"
            )
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise SpecError(f"{_where(node)}: {text!r} is not a finite number")
        return value

    def construct_yaml_str(self, node):
        value = super().construct_yaml_str(node)
        if node.style is None and CORE12_NUMBER.match(value):
            self.ambiguous_strings.append((_where(node), value))
        return value


# Unquoted timestamps must stay strings: drop the implicit timestamp resolver
# (copying the table so yaml.SafeLoader itself is left untouched).
SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _ctor in (
    ("tag:yaml.org,2002:bool", SpecLoader.construct_yaml_bool),
    ("tag:yaml.org,2002:int", SpecLoader.construct_yaml_int),
    ("tag:yaml.org,2002:float", SpecLoader.construct_yaml_float),
    ("tag:yaml.org,2002:str", SpecLoader.construct_yaml_str),
):
    SpecLoader.add_constructor(_tag, _ctor)


def load_spec(path: Path):
    SpecLoader.ambiguous_strings = []
    with path.open("r", encoding="utf-8") as handle:
        try:
            doc = yaml.load(handle, Loader=SpecLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError as err:
            raise SpecError(f"{path}: not valid YAML: {err}") from err
    ambiguous = list(SpecLoader.ambiguous_strings)
    if not isinstance(doc, dict) or "paths" not in doc:
        raise SpecError(f"{path}: not an OpenAPI document (no `paths`)")
    return doc, ambiguous


def check_json(value, where: str) -> None:
    """Raise unless `value` is made only of JSON types (no silent conversion)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError(f"{where}: non-finite number {value!r}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise SpecError(f"{where}: non-string key {key!r}")
            check_json(item, f"{where}.{key}")
        return
    raise SpecError(
        f"{where}: {type(value).__name__} value {value!r} has no JSON form; "
        "quote it in the YAML"
    )


# --------------------------------------------------------------------------
# OpenAPI traversal
# --------------------------------------------------------------------------


def resolve_pointer(doc, ref: str):
    if not ref.startswith("#/"):
        raise SpecError(f"only local $refs are supported, got {ref!r}")
    node = doc
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SpecError(f"unresolvable $ref {ref!r}")
        node = node[part]
    return node


def deref(doc, obj, where: str):
    """Follow `$ref` chains; return (object, list of refs followed)."""
    refs = []
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        if ref in refs:
            raise SpecError(f"{where}: $ref cycle {refs + [ref]}")
        refs.append(ref)
        obj = resolve_pointer(doc, ref)
    return obj, refs


def slug(name: str) -> str:
    # Runs collapse to one '-' so that '--' only ever separates filename fields.
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not text:
        raise SpecError(f"example name {name!r} has an empty slug")
    return text


def media_examples(doc, content, where: str):
    """Yield (example name, component name or None, value) for application/json."""
    if not isinstance(content, dict):
        return
    media = content.get(JSON_MEDIA_TYPE)
    if media is None:
        return
    for name, example in (media.get("examples") or {}).items():
        loc = f"{where}.examples[{name!r}]"
        resolved, refs = deref(doc, example, loc)
        component = None
        if refs:
            last = refs[-1]
            if not last.startswith(EXAMPLE_REF_PREFIX):
                raise SpecError(f"{loc}: $ref {last!r} is not a components/examples ref")
            component = last[len(EXAMPLE_REF_PREFIX):]
        if not isinstance(resolved, dict) or "value" not in resolved:
            raise SpecError(
                f"{loc}: example has no inline `value` "
                "(externalValue is not supported)"
            )
        yield name, component, resolved["value"]
    if "example" in media:
        yield INLINE_EXAMPLE_NAME, None, media["example"]


def unwrap_nested_example(value):
    """If `value` is an Example Object wrapped in a one-key map, return (key, real body)."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if (
            isinstance(inner, dict)
            and "value" in inner
            and set(inner) <= {"summary", "description", "value"}
        ):
            return key, inner["value"]
    return None


def iter_operations(doc):
    for path, item in doc["paths"].items():
        item, _ = deref(doc, item, f"paths[{path!r}]")
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def collect(doc):
    """Return the fixtures as a list of dicts, in document order."""
    fixtures = []
    seen_ops = set()
    for path, method, op in iter_operations(doc):
        op_id = op.get("operationId")
        if op_id not in OPERATIONS:
            raise SpecError(f"{method.upper()} {path}: unknown operationId {op_id!r}")
        if op_id in seen_ops:
            raise SpecError(f"operationId {op_id!r} appears twice")
        seen_ops.add(op_id)
        name = OPERATIONS[op_id]
        where = f"{op_id}"

        if "requestBody" in op:
            body, _ = deref(doc, op["requestBody"], f"{where}.requestBody")
            for ex_name, component, value in media_examples(
                doc, body.get("content"), f"{where}.requestBody"
            ):
                fixtures.append(make_fixture(name, "request", None, ex_name, component, value))

        for status_key, response in (op.get("responses") or {}).items():
            status_text = str(status_key)
            if not re.fullmatch(r"[1-5][0-9][0-9]", status_text):
                raise SpecError(f"{where}: response {status_text!r} is not a numeric status")
            resolved, _ = deref(doc, response, f"{where}.responses[{status_text}]")
            for ex_name, component, value in media_examples(
                doc, resolved.get("content"), f"{where}.responses[{status_text}]"
            ):
                fixtures.append(
                    make_fixture(name, "response", int(status_text), ex_name, component, value)
                )

    missing = sorted(set(OPERATIONS) - seen_ops)
    if missing:
        raise SpecError(f"operations missing from the spec: {', '.join(missing)}")
    return fixtures


def make_fixture(operation, kind, status, example, component, value):
    where = f"{operation} {kind} {status if status is not None else 'req'} {example!r}"
    check_json(value, where)
    fixture = {
        "operation": operation,
        "kind": kind,
        "status": status,
        "example": example,
        "component": component,
    }
    nested = unwrap_nested_example(value)
    wire_body = value
    if nested is not None:
        key, wire_body = nested
        fixture["note"] = f"double-nested in the spec; the real body is body.{key}.value"
    fixture["body"] = value
    fixture["wire_body"] = wire_body
    return fixture


def file_name(fixture) -> str:
    status = fixture["status"] if fixture["status"] is not None else "req"
    return f"{fixture['operation']}--{fixture['kind']}--{status}--{slug(fixture['example'])}.json"


def render(fixture) -> bytes:
    text = json.dumps(fixture, indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def planned_spec_files(fixtures):
    files = {}
    for fixture in fixtures:
        name = file_name(fixture)
        if name in files:
            raise SpecError(f"two examples map to the same fixture file {name}")
        files[name] = render(fixture)
    return dict(sorted(files.items()))


def planned_vector_files(vectors_dir: Path):
    if not vectors_dir.is_dir():
        raise SpecError(f"vectors directory {vectors_dir} does not exist")
    files = {}
    for src in sorted(vectors_dir.glob("*.json")):
        data = src.read_bytes()
        try:
            json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            raise SpecError(f"{src}: not valid JSON: {err}") from err
        files[src.name] = data
    readme = vectors_dir / "README.md"
    if readme.is_file():
        files["README.md"] = readme.read_bytes()
    return files


def planned_openapi_files(spec: Path):
    """The current spec and the older one beside it, byte for byte."""
    files = {}
    for src in (spec, spec.parent / OLDER_SPEC_NAME):
        if not src.is_file():
            raise SpecError(f"OpenAPI document {src} does not exist")
        files[src.name] = src.read_bytes()
    return files


def sync_dir(out_dir: Path, files: dict, check: bool, pattern: str = "*.json") -> list:
    """Write `files` into `out_dir`, deleting stale `pattern` files; in check mode only diff."""
    problems = []
    existing = set(p.name for p in out_dir.glob(pattern)) if out_dir.is_dir() else set()
    stale = sorted(existing - set(files))
    if check:
        problems += [f"stale: {out_dir / name}" for name in stale]
        for name, data in files.items():
            target = out_dir / name
            if not target.is_file():
                problems.append(f"missing: {target}")
            elif target.read_bytes() != data:
                problems.append(f"differs: {target}")
        return problems
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (out_dir / name).unlink()
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return problems


def print_summary(fixtures, ambiguous, vector_count):
    order = {name: index for index, name in enumerate(OPERATIONS.values())}
    counts = {}
    for fixture in fixtures:
        key = (fixture["operation"], fixture["kind"], fixture["status"])
        counts[key] = counts.get(key, 0) + 1
    rows = sorted(
        counts.items(),
        key=lambda item: (
            order[item[0][0]],
            item[0][1] != "request",
            item[0][2] if item[0][2] is not None else -1,
        ),
    )
    header = ("operation", "kind", "status", "count")
    table = [header] + [
        (op, kind, "req" if status is None else str(status), str(count))
        for (op, kind, status), count in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for index, row in enumerate(table):
        print("  ".join(cell.ljust(widths[i]) if i < 3 else cell.rjust(widths[i])
                        for i, cell in enumerate(row)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print(f"total spec fixtures: {len(fixtures)}")
    for fixture in fixtures:
        if "note" in fixture:
            print(f"note: {file_name(fixture)}: {fixture['note']}")
    for where, text in ambiguous:
        print(f"note: {where}: unquoted {text!r} kept as a string (YAML 1.2 would read a number)")
    if vector_count is not None:
        print(f"vectors copied: {vector_count} JSON files + README.md")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Extract OpenAPI examples into JSON fixtures for okta-factors-core tests."
    )
    parser.add_argument(
        "spec",
        nargs="?",
        type=Path,
        default=DEFAULT_SPEC,
        help="OpenAPI YAML to read (default: ../shared/spec/userfactor-current.yaml "
        "relative to the repository root)",
    )
    parser.add_argument(
        "--vectors",
        type=Path,
        default=DEFAULT_VECTORS,
        metavar="DIR",
        help="directory of wire vectors to copy verbatim (default: ../shared/vectors "
        "relative to the repository root)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the fixtures on disk differ from what would be written",
    )
    args = parser.parse_args(argv)

    try:
        doc, ambiguous = load_spec(args.spec)
        fixtures = collect(doc)
        spec_files = planned_spec_files(fixtures)
        vector_files = planned_vector_files(args.vectors)
        openapi_files = planned_openapi_files(args.spec)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    problems = sync_dir(SPEC_OUT, spec_files, args.check)
    problems += sync_dir(VECTORS_OUT, vector_files, args.check)
    problems += sync_dir(OPENAPI_OUT, openapi_files, args.check, pattern="*.yaml")
    if args.check:
        if problems:
            print("fixtures are out of date; run: python3 scripts/extract-spec-fixtures.py",
                  file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        print(f"fixtures up to date ({len(spec_files)} spec, {len(vector_files)} vector, "
              f"{len(openapi_files)} OpenAPI files)")
        return 0

    print_summary(fixtures, ambiguous, sum(1 for n in vector_files if n.endswith(".json")))
    print(f"OpenAPI documents copied: {', '.join(sorted(openapi_files))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
