"""A small base contract and, for every diff rule, the edit that makes it fire.

Each case is (rule id, edits to the old copy, edits to the new copy); an edit is (path, value) with DEL to
delete. Paths are tuples into the document; an index equal to a list's length appends.
"""

from __future__ import annotations

import copy
from typing import Any

DEL = object()

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: dict[str, Any], required: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"content": {JSON: {"schema": schema}}}
    if required is not None:
        out["required"] = required
    return out


def ok(schema: dict[str, Any] | None = None, description: str = "ok") -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {JSON: {"schema": schema}}
    return out


BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "mini", "version": "1.0.0"},
    "security": [{"BearerAuth": []}],
    "paths": {
        "/items/": {
            "get": {
                "operationId": "listItems",
                "tags": ["Items"],
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {
                        "name": "search",
                        "in": "query",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[\\w ]*$"},
                    },
                    {
                        "name": "stage",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["Staging", "Production"]},
                    },
                    {"name": "orderBy", "in": "query", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "ids",
                        "in": "query",
                        "schema": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 0,
                            "maxItems": 10,
                        },
                    },
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                    {"name": "sortKey", "in": "query", "schema": {"type": "string"}},
                    {"name": "legacyFilter", "in": "query", "deprecated": True, "schema": {"type": "string"}},
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {"type": ["string", "null"], "format": "date-time"},
                    },
                ],
                "responses": {
                    "200": ok(ref("ItemList")),
                    "401": ok(ref("Error"), "no token"),
                },
            }
        },
        "/items/{itemId}/": {
            "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"operationId": "getItem", "responses": {"200": ok(ref("Item")), "404": ok(ref("Error"))}},
            "patch": {
                "operationId": "updateItem",
                "requestBody": body(ref("ItemUpdate"), required=False),
                "responses": {"200": ok(ref("Item")), "422": ok(ref("Error"))},
            },
            "delete": {"operationId": "deleteItem", "responses": {"204": ok()}},
            "put": {"operationId": "replaceItem", "deprecated": True, "responses": {"200": ok(ref("Item"))}},
        },
        "/legacy/": {"get": {"operationId": "legacy", "deprecated": True, "responses": {"200": ok()}}},
        "/old/": {"get": {"operationId": "old", "responses": {"200": ok()}}},
    },
    "components": {
        "securitySchemes": {
            "BearerAuth": {"type": "http", "scheme": "bearer"},
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
        },
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string", "maxLength": 100},
                    "stage": {"type": "string", "enum": ["Staging", "Production"]},
                    "score": {"type": "number", "minimum": 0, "maximum": 1},
                    "description": {"type": ["string", "null"]},
                    "tags": {"type": "array", "items": ref("Tag")},
                    "parent": ref("Item"),  # recursive: the walk must stop
                    "secret": {"type": "string", "writeOnly": True},
                },
            },
            "Tag": {"type": "object", "properties": {"name": {"type": "string"}}},
            "ItemList": {
                "type": "object",
                "required": ["count", "data"],
                "properties": {"count": {"type": "integer"}, "data": {"type": "array", "items": ref("Item")}},
            },
            "ItemUpdate": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "description": {"type": ["string", "null"]},
                    "stage": {"type": "string", "enum": ["Staging", "Production"]},
                    "priority": {"type": "integer", "minimum": 0, "maximum": 10},
                    "weight": {"type": "number"},
                    "code": {"type": "string"},
                    "note": {"type": "string", "pattern": "^[^<>]*$"},
                    "labels": {"type": "array", "items": {"type": "string"}, "minItems": 0},
                    "id": {"type": "string", "readOnly": True},
                },
            },
            "Error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            },
            "Unused": {"type": "object"},
        },
    },
}

LIST = ("paths", "/items/", "get")
ONE = ("paths", "/items/{itemId}/")


def param(i: int, *rest: Any) -> tuple:
    return (*LIST, "parameters", i, *rest)


PSCHEMA = "schema"
BODY = (*ONE, "patch", "requestBody")
DELETE_BODY = (*ONE, "delete", "requestBody")
UPD = ("components", "schemas", "ItemUpdate")
ITEM = ("components", "schemas", "Item")
RESP = (*LIST, "responses")


def U(prop: str, *rest: Any) -> tuple:
    return (*UPD, "properties", prop, *rest)


def I(prop: str, *rest: Any) -> tuple:  # noqa: E743
    return (*ITEM, "properties", prop, *rest)


NEW = "new"
OLD = "old"

# (rule id, [(which copy, path, value), ...])
CASES: list[tuple[str, list[tuple[str, tuple, Any]]]] = [
    # paths and operations
    ("api-path-removed-without-deprecation", [(NEW, ("paths", "/old/"), DEL)]),
    ("api-path-removed-with-deprecation", [(NEW, ("paths", "/legacy/"), DEL)]),
    ("api-removed-without-deprecation", [(NEW, (*ONE, "get"), DEL)]),
    ("api-removed-with-deprecation", [(NEW, (*ONE, "put"), DEL)]),
    ("endpoint-added", [(NEW, ("paths", "/new/"), {"get": {"responses": {"200": ok()}}})]),
    ("endpoint-deprecated", [(NEW, (*LIST, "deprecated"), True)]),
    ("endpoint-reactivated", [(NEW, ("paths", "/legacy/", "get", "deprecated"), DEL)]),
    ("api-operation-id-removed", [(NEW, (*LIST, "operationId"), "listAllItems")]),
    ("api-operation-id-added", [(OLD, (*LIST, "operationId"), DEL)]),
    ("api-tag-removed", [(NEW, (*LIST, "tags"), [])]),
    ("api-tag-added", [(NEW, (*LIST, "tags"), ["Items", "Catalogue"])]),
    (
        "api-security-removed",
        [
            (OLD, (*LIST, "security"), [{"BearerAuth": []}, {"ApiKey": []}]),
            (NEW, (*LIST, "security"), [{"BearerAuth": []}]),
        ],
    ),
    ("api-security-added", [(NEW, (*LIST, "security"), [{"BearerAuth": []}, {"ApiKey": []}])]),
    ("api-global-security-removed", [(NEW, ("security",), [])]),
    ("api-global-security-added", [(NEW, ("security", 1), {"ApiKey": []})]),
    ("api-schema-removed", [(NEW, ("components", "schemas", "Unused"), DEL)]),
    # request parameters
    (
        "new-required-request-parameter",
        [(NEW, param(9), {"name": "p", "in": "query", "required": True, "schema": {"type": "string"}})],
    ),
    (
        "new-optional-request-parameter",
        [(NEW, param(9), {"name": "p", "in": "query", "schema": {"type": "string"}})],
    ),
    ("request-parameter-removed", [(NEW, param(6), DEL)]),
    ("request-parameter-removed-with-deprecation", [(NEW, param(7), DEL)]),
    ("request-parameter-became-required", [(NEW, param(6, "required"), True)]),
    ("request-parameter-became-optional", [(NEW, param(3, "required"), False)]),
    ("request-parameter-deprecated", [(NEW, param(6, "deprecated"), True)]),
    ("request-parameter-reactivated", [(NEW, param(7, "deprecated"), False)]),
    ("request-parameter-type-changed", [(NEW, param(6, PSCHEMA, "type"), "integer")]),
    ("request-parameter-type-generalized", [(NEW, param(0, PSCHEMA, "type"), "number")]),
    ("request-parameter-enum-value-removed", [(NEW, param(2, PSCHEMA, "enum"), ["Staging"])]),
    ("request-parameter-enum-value-added", [(NEW, param(2, PSCHEMA, "enum", 2), "Archived")]),
    ("request-parameter-became-enum", [(NEW, param(6, PSCHEMA, "enum"), ["name"])]),
    ("request-parameter-max-length-decreased", [(NEW, param(1, PSCHEMA, "maxLength"), 20)]),
    ("request-parameter-max-length-increased", [(NEW, param(1, PSCHEMA, "maxLength"), 80)]),
    ("request-parameter-max-length-set", [(NEW, param(6, PSCHEMA, "maxLength"), 10)]),
    ("request-parameter-min-length-increased", [(NEW, param(1, PSCHEMA, "minLength"), 3)]),
    ("request-parameter-min-length-decreased", [(NEW, param(1, PSCHEMA, "minLength"), 0)]),
    ("request-parameter-max-decreased", [(NEW, param(0, PSCHEMA, "maximum"), 50)]),
    ("request-parameter-max-increased", [(NEW, param(0, PSCHEMA, "maximum"), 500)]),
    ("request-parameter-max-set", [(NEW, param(5, PSCHEMA, "maximum"), 1000)]),
    ("request-parameter-min-increased", [(NEW, param(0, PSCHEMA, "minimum"), 5)]),
    ("request-parameter-min-decreased", [(NEW, param(0, PSCHEMA, "minimum"), 0)]),
    ("request-parameter-min-set", [(NEW, param(5, PSCHEMA, "minimum"), 0)]),
    ("request-parameter-max-items-decreased", [(NEW, param(4, PSCHEMA, "maxItems"), 5)]),
    ("request-parameter-min-items-increased", [(NEW, param(4, PSCHEMA, "minItems"), 1)]),
    ("request-parameter-pattern-added", [(NEW, param(6, PSCHEMA, "pattern"), "^[a-z]+$")]),
    ("request-parameter-pattern-changed", [(NEW, param(1, PSCHEMA, "pattern"), "^\\w*$")]),
    ("request-parameter-pattern-removed", [(NEW, param(1, PSCHEMA, "pattern"), DEL)]),
    ("request-parameter-became-not-nullable", [(NEW, param(8, PSCHEMA, "type"), "string")]),
    ("request-parameter-became-nullable", [(NEW, param(6, PSCHEMA, "type"), ["string", "null"])]),
    ("request-parameter-default-value-changed", [(NEW, param(5, PSCHEMA, "default"), 10)]),
    ("request-parameter-default-value-added", [(NEW, param(0, PSCHEMA, "default"), 10)]),
    ("request-parameter-default-value-removed", [(NEW, param(5, PSCHEMA, "default"), DEL)]),
    # request body
    ("request-body-added-required", [(NEW, DELETE_BODY, body({"type": "object"}, required=True))]),
    ("request-body-added-optional", [(NEW, DELETE_BODY, body({"type": "object"}))]),
    ("request-body-removed", [(NEW, BODY, DEL)]),
    ("request-body-became-required", [(NEW, (*BODY, "required"), True)]),
    ("request-body-became-optional", [(OLD, (*BODY, "required"), True)]),
    ("request-body-media-type-removed", [(NEW, (*BODY, "content", JSON), DEL)]),
    (
        "request-body-media-type-added",
        [(NEW, (*BODY, "content", "application/merge-patch+json"), {"schema": ref("ItemUpdate")})],
    ),
    (
        "request-body-type-changed",
        [(NEW, (*BODY, "content", JSON, "schema"), {"type": "array", "items": {"type": "string"}})],
    ),
    ("request-body-became-enum", [(NEW, (*BODY, "content", JSON, "schema", "enum"), [{"name": "x"}])]),
    (
        "request-body-enum-value-removed",
        [
            (OLD, DELETE_BODY, body({"type": "string", "enum": ["soft", "hard"]})),
            (NEW, DELETE_BODY, body({"type": "string", "enum": ["soft"]})),
        ],
    ),
    (
        "request-body-became-not-nullable",
        [
            (OLD, DELETE_BODY, body({"type": ["object", "null"]})),
            (NEW, DELETE_BODY, body({"type": "object"})),
        ],
    ),
    (
        "request-body-became-nullable",
        [
            (OLD, DELETE_BODY, body({"type": "object"})),
            (NEW, DELETE_BODY, body({"type": ["object", "null"]})),
        ],
    ),
    # request properties (ItemUpdate, the PATCH body)
    (
        "new-required-request-property",
        [(NEW, U("owner"), {"type": "string"}), (NEW, (*UPD, "required", 1), "owner")],
    ),
    ("new-optional-request-property", [(NEW, U("owner"), {"type": "string"})]),
    ("request-property-removed", [(NEW, U("note"), DEL)]),
    ("request-property-became-required", [(NEW, (*UPD, "required", 1), "note")]),
    ("request-property-became-optional", [(NEW, (*UPD, "required"), [])]),
    ("request-property-type-changed", [(NEW, U("code", "type"), "integer")]),
    ("request-property-type-generalized", [(NEW, U("priority", "type"), "number")]),
    ("request-property-enum-value-removed", [(NEW, U("stage", "enum"), ["Staging"])]),
    ("request-property-enum-value-added", [(NEW, U("stage", "enum", 2), "Archived")]),
    ("request-property-became-enum", [(NEW, U("code", "enum"), ["A", "B"])]),
    ("request-property-max-length-decreased", [(NEW, U("name", "maxLength"), 50)]),
    ("request-property-max-length-increased", [(NEW, U("name", "maxLength"), 200)]),
    ("request-property-max-length-set", [(NEW, U("code", "maxLength"), 5)]),
    ("request-property-min-length-increased", [(NEW, U("name", "minLength"), 2)]),
    ("request-property-min-length-decreased", [(NEW, U("name", "minLength"), 0)]),
    ("request-property-max-decreased", [(NEW, U("priority", "maximum"), 5)]),
    ("request-property-max-increased", [(NEW, U("priority", "maximum"), 20)]),
    ("request-property-max-set", [(NEW, U("weight", "maximum"), 1)]),
    ("request-property-min-increased", [(NEW, U("priority", "minimum"), 1)]),
    ("request-property-min-decreased", [(NEW, U("priority", "minimum"), -1)]),
    ("request-property-min-set", [(NEW, U("weight", "minimum"), 0)]),
    ("request-property-min-items-increased", [(NEW, U("labels", "minItems"), 1)]),
    ("request-property-pattern-added", [(NEW, U("code", "pattern"), "^[A-Z]+$")]),
    ("request-property-pattern-changed", [(NEW, U("note", "pattern"), "^[^<>&]*$")]),
    ("request-property-pattern-removed", [(NEW, U("note", "pattern"), DEL)]),
    ("request-property-became-not-nullable", [(NEW, U("description", "type"), "string")]),
    ("request-property-became-nullable", [(NEW, U("code", "type"), ["string", "null"])]),
    # responses (GET /items/)
    ("response-success-status-removed", [(NEW, (*RESP, "200"), DEL)]),
    ("response-success-status-added", [(NEW, (*RESP, "206"), ok(ref("ItemList")))]),
    ("response-non-success-status-removed", [(NEW, (*RESP, "401"), DEL)]),
    ("response-non-success-status-added", [(NEW, (*RESP, "429"), ok(ref("Error"), "slow down"))]),
    ("response-media-type-removed", [(NEW, (*RESP, "200", "content", JSON), DEL)]),
    (
        "response-media-type-added",
        [(NEW, (*RESP, "200", "content", "text/csv"), {"schema": {"type": "string"}})],
    ),
    (
        "response-body-type-changed",
        [(NEW, (*RESP, "200", "content", JSON, "schema"), {"type": "array", "items": ref("Item")})],
    ),
    (
        "response-body-became-nullable",
        [(NEW, (*RESP, "200", "content", JSON, "schema"), {"anyOf": [ref("ItemList"), {"type": "null"}]})],
    ),
    # response properties (Item, also reached through ItemList.data[])
    ("response-required-property-removed", [(NEW, I("name"), DEL)]),
    ("response-optional-property-removed", [(NEW, I("stage"), DEL)]),
    (
        "response-required-property-added",
        [(NEW, I("owner"), {"type": "string"}), (NEW, (*ITEM, "required", 2), "owner")],
    ),
    ("response-optional-property-added", [(NEW, I("owner"), {"type": "string"})]),
    ("response-property-became-optional", [(NEW, (*ITEM, "required"), ["id"])]),
    ("response-property-became-required", [(NEW, (*ITEM, "required", 2), "stage")]),
    ("response-property-became-nullable", [(NEW, I("name", "type"), ["string", "null"])]),
    ("response-property-became-not-nullable", [(NEW, I("description", "type"), "string")]),
    ("response-property-type-changed", [(NEW, I("id", "type"), "integer")]),
    ("response-property-type-specialized", [(NEW, I("score", "type"), "integer")]),
    ("response-property-enum-value-added", [(NEW, I("stage", "enum", 2), "Archived")]),
    ("response-property-enum-value-removed", [(NEW, I("stage", "enum"), ["Production"])]),
    ("response-property-max-length-increased", [(NEW, I("name", "maxLength"), 200)]),
    ("response-property-max-length-unset", [(NEW, I("name", "maxLength"), DEL)]),
    ("response-property-max-increased", [(NEW, I("score", "maximum"), 100)]),
    ("response-property-min-decreased", [(NEW, I("score", "minimum"), -1)]),
]


def edit(document: dict[str, Any], path: tuple, value: Any) -> None:
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if value is DEL:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(value)
    else:
        node[last] = value


def pair(edits: list[tuple[str, tuple, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    for which, path, value in edits:
        edit(old if which == OLD else new, path, value if value is DEL else copy.deepcopy(value))
    return old, new
