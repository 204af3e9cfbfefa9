"""The reference page's content, read from the OpenAPI document (so the two never differ)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

METHOD_ORDER = ("get", "post", "patch", "put", "delete")


def prose(text: str) -> Markup:
    """Descriptions as HTML: escaped, with `backticked` words as code."""
    html = Markup("")
    for index, part in enumerate(text.split("`")):
        html += Markup("<code>%s</code>") % part if index % 2 else escape(part)
    return html


@dataclass(frozen=True)
class Member:
    """A parameter or body field: its name, type, whether it is required, what it means."""

    name: str
    type: str
    required: bool
    description: str


@dataclass
class Operation:
    """One call of the API as the page lists it."""

    id: str
    method: str
    path: str
    summary: str
    description: str
    scope: str
    parameters: list[Member] = field(default_factory=list)
    body: list[Member] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Section:
    """The operations under one tag."""

    name: str
    description: str
    operations: list[Operation] = field(default_factory=list)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def type_name(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """A short human name for a JSON Schema: `string (email)`, `integer or null`, ..."""
    schema = _resolve(document, schema)
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " or ".join(type_name(document, part) for part in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_name(document, schema.get('items', {}))}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    if kind == "object" and "title" in schema:
        return schema["title"]
    return str(kind)


def _members(document: dict[str, Any], schema: dict[str, Any]) -> list[Member]:
    schema = _resolve(document, schema)
    required = set(schema.get("required", []))
    return [
        Member(name, type_name(document, prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(document: dict[str, Any], method: str, path: str, spec: dict) -> Operation:
    scopes = [
        scope
        for requirement in spec.get("security", [])
        for s in requirement.values()
        for scope in s
    ]
    found = Operation(
        id=spec["operationId"],
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        scope=", ".join(scopes),
    )
    for parameter in spec.get("parameters", []):
        found.parameters.append(
            Member(
                f"{parameter['name']} ({parameter['in']})",
                type_name(document, parameter.get("schema", {})),
                parameter.get("required", False),
                parameter.get("description", ""),
            )
        )
    body = spec.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        found.body = _members(document, body["schema"])
    for status, response in sorted(spec.get("responses", {}).items()):
        content = next(iter(response.get("content", {}).values()), {})
        body = type_name(document, content["schema"]) if "schema" in content else ""
        found.responses.append((status, response.get("description", ""), body))
    return found


def sections(document: dict[str, Any], order: list[str]) -> list[Section]:
    """The document's operations grouped by tag, tags in `order`."""
    known = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    by_tag = {name: Section(name, known.get(name, "")) for name in order}
    for path, item in sorted(document["paths"].items()):
        for method in METHOD_ORDER:
            if method in item:
                spec = item[method]
                tag = (spec.get("tags") or ["other"])[0]
                section = by_tag.setdefault(tag, Section(tag, ""))
                section.operations.append(_operation(document, method, path, spec))
    return [section for section in by_tag.values() if section.operations]


@dataclass(frozen=True)
class Schema:
    """A named body the operations send or return, with its fields."""

    name: str
    description: str
    members: list[Member]


def schemas(document: dict[str, Any]) -> list[Schema]:
    """Every named schema of the document, by name."""
    found = []
    for name, schema in sorted(document["components"]["schemas"].items()):
        if schema.get("type") == "object" and "properties" in schema:
            found.append(Schema(name, schema.get("description", ""), _members(document, schema)))
    return found
