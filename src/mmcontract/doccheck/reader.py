"""Reader of the scraped reference page: operations, parameters, responses and schema sections.

The scrape kept the text of every table but lost the schema headings, the braces of the JSON examples and
some enum rows. What is read here is only what the page states; where the page is damaged the model says
so (an empty enum table, a truncated section, a section whose name cannot be recovered) instead of guessing.

Schema names are recovered from evidence on the page itself:
- `response` / `body`: an operation names the schema of a response or body and shows its example; a section
  whose example has exactly that structure is that schema;
- `reference+description`: a property is typed `X` or `[X]` and its description equals the sentence that
  follows a section's example;
- `reference+example`: a property is typed `X` or `[X]` and the example of the section holding it shows,
  under that property, exactly the structure of a section's example;
- `heading`: a newer copy of the page may keep the heading line itself;
- the doc generator lists schemas alphabetically, so a name must sort between its identified neighbours:
  this settles sections with several candidate names and rejects out-of-order ones.
A section left without a name keeps its alphabetical window and the places where its example structure
occurs inside other examples (`positions`); the comparison may bind it to the spec through those.
"""

from __future__ import annotations

import http
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_PATH = "/api/v2"

PRIMITIVES = frozenset({"string", "integer", "number", "boolean", "object", "array", "any"})
COMBINATORS = frozenset({"oneOf", "anyOf", "allOf"})
# Restriction keys the generator writes in the Restrictions column.
RESTRICTION_KEYS = (
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "multipleOf",
    "pattern",
)
# Placeholder example values the generator writes for a plain string (so they say nothing about enums).
_PLACEHOLDERS = frozenset({"string", "", "2019-08-24T14:15:22Z", "2019-08-24", "user@example.com"})

_OP_HEADER = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/\S*)$")
_AUTH_LINE = re.compile(r"^To perform this operation, you must be authenticated")
_PARAM_HEADER = re.compile(r"^Name\s+In\s+Type\s+Required\s+Description$")
_PROP_HEADER = re.compile(r"^Name\s+Type\s+Required\s+Restrictions\s+Description$")
_STATUS_HEADER = re.compile(r"^Status\s+Meaning\s+Description\s+Schema$")
_ENUM_TITLE = re.compile(r"^Enumerated Values$")
_ENUM_HEADER = re.compile(r"^(Parameter|Property)\s+Value$")
_EXAMPLE_TITLE = re.compile(r"^(\d{3}|default)\s+Response$")
_JSON_KEY = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"\s*:\s*(.*?)\s*$')
_JSON_PUNCT = re.compile(r"^\s*[\[\]{}]+,?\s*$")
_JSON_SCALAR = re.compile(r'^(\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+\-]*|true|false|null),?\s*$')
_PARAM_ROW = re.compile(
    r"^(?P<name>[^\s»]\S*)\s+(?P<loc>query|path|header|cookie|body)\s+(?P<type>\S+)\s+"
    r"(?P<req>true|false)(?:\s+(?P<desc>.*))?$"
)
_PROP_ROW = re.compile(
    r"^(?P<depth>(?:»\s*)*)(?P<name>[A-Za-z_$@][\w.$@\-]*)\s+(?P<type>\S+)\s+(?P<req>true|false)"
    r"(?:\s+(?P<rest>.*))?$"
)
_STATUS_ROW = re.compile(r"^(?P<status>\d{3}|default)\s+(?P<rest>.*)$")
_RESTRICTION = re.compile(r"^(" + "|".join(RESTRICTION_KEYS) + r"):\s*(\S+)\s*(.*)$")
_DEPRECATED = re.compile(r"\(Deprecated in|\bDEPRECATED\b")
_HEADING = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_COMBINATOR_LINES = frozenset({"oneOf", "anyOf", "allOf", "xor", "and", "or", "continued"})
_TRAILING_FORMAT = re.compile(r"^(?P<base>.*?)\((?P<fmt>[\w.\-]+)\)$")
_SCHEMA_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_DEFAULT = re.compile(r"\b[Dd]efaults? to\s+(.+?)\s*(?:[.;,](?:\s|$)|$)")
_FOOTER = re.compile(r"^(?:(?:Last )?[Uu]pdated\s.*\d{4}|Was this page helpful\?.*)$")


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TypeExpr:
    """A type as the page writes it: `string,null(uri)`, `[ModelPackageCapability]`, `any`, ..."""

    raw: str
    kind: str  # a primitive, "array", "ref", a combinator, or "union" (several non-null kinds)
    nullable: bool = False
    format: str | None = None
    ref: str | None = None  # the schema name when kind == "ref"
    items: TypeExpr | None = None  # when kind == "array"
    kinds: tuple[str, ...] = ()  # the non-null kinds when kind == "union"

    def refs(self) -> Iterator[str]:
        """Schema names this type mentions (itself or its items)."""
        if self.ref:
            yield self.ref
        if self.items is not None:
            yield from self.items.refs()

    def __str__(self) -> str:
        return self.raw


@dataclass
class ExampleNode:
    """One node of a brace-less JSON example, rebuilt from indentation. Scalars inside arrays are often lost."""

    kind: str  # "object" | "array" | "scalar"
    value: object = None
    children: dict[str, ExampleNode] = field(default_factory=dict)
    item: ExampleNode | None = None

    def signature(self) -> object:
        """The shape (keys, nesting) without values: what identifies a schema's example."""
        if self.kind == "object":
            return ("object", frozenset((k, v.signature()) for k, v in self.children.items()))
        if self.kind == "array":
            return ("array", self.item.signature() if self.item is not None else None)
        return "scalar"

    def at(self, path: Iterable[str]) -> ExampleNode | None:
        node: ExampleNode | None = self
        for step in path:
            if node is None:
                return None
            node = node.item if step == "[]" else node.children.get(step)
        return node

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], ExampleNode]]:
        yield path, self
        for key, child in self.children.items():
            yield from child.walk((*path, key))
        if self.item is not None:
            yield from self.item.walk((*path, "[]"))


@dataclass
class Parameter:
    name: str
    location: str
    type: TypeExpr
    required: bool
    description: str
    enum: list[str] | None = None
    line: int = 0

    @property
    def default(self) -> str | None:
        return stated_default(self.description)


@dataclass
class Body:
    schema: str | None  # the schema name the parameter table gives the body
    type: TypeExpr
    required: bool
    description: str
    line: int = 0


@dataclass
class Response:
    status: str
    meaning: str | None
    description: str
    schema: str | None  # None when the page says "None"
    line: int = 0


@dataclass
class Operation:
    method: str
    path: str  # relative to /api/v2, trailing slash kept
    line: int
    summary: str = ""
    description: str = ""
    deprecated: bool = False
    parameters: list[Parameter] = field(default_factory=list)
    body: Body | None = None
    body_example: ExampleNode | None = None
    responses: list[Response] = field(default_factory=list)
    response_examples: dict[str, ExampleNode] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Property:
    name: str
    type: TypeExpr
    required: bool
    description: str = ""
    restrictions: dict[str, int | float | str | bool] = field(default_factory=dict)
    enum: list[str] | None = None
    enum_lost: bool = False  # an enum table exists for it but its rows were lost in the scrape
    variants: list[TypeExpr] = field(default_factory=list)  # `» anonymous` rows (oneOf/anyOf members)
    children: list[Property] = field(default_factory=list)  # `» name` rows (inline object properties)
    line: int = 0

    @property
    def default(self) -> str | None:
        return stated_default(self.description)


@dataclass
class Position:
    """Where a section's example structure occurs inside another example (an unnamed place)."""

    source: str  # "response" | "body" | "section"
    owner: str  # operation key, or the section's label
    status: str | None  # response status for source == "response"
    path: tuple[str, ...]  # property names, "[]" for array items

    def __str__(self) -> str:
        where = f"{self.owner} {self.source}" + (f" {self.status}" if self.status else "")
        return f"{where} at {'.'.join(self.path) or '(root)'}"


@dataclass
class SchemaSection:
    index: int  # 1-based order on the page
    line: int
    example: ExampleNode | None = None
    description: str = ""
    properties: list[Property] = field(default_factory=list)
    variants: list[TypeExpr] = field(default_factory=list)  # a whole-schema oneOf (`anonymous` rows at top)
    name: str | None = None
    evidence: list[str] = field(default_factory=list)
    candidates: dict[str, list[str]] = field(default_factory=dict)  # name -> evidence, before resolution
    conflict: str | None = None  # why a name could not be settled
    window: tuple[str | None, str | None] = (None, None)  # alphabetical bounds from identified neighbours
    positions: list[Position] = field(default_factory=list)
    example_only: list[str] = field(default_factory=list)  # example keys without a table row
    truncated: bool = False
    lost_enum_tables: int = 0  # empty enum tables not attributable to one property
    heading: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"section #{self.index} (line {self.line}, unidentified)"

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def all_properties(self) -> Iterator[Property]:
        stack = list(reversed(self.properties))
        while stack:
            prop = stack.pop()
            yield prop
            stack.extend(reversed(prop.children))


@dataclass
class Reference:
    """A place on the page that names a schema."""

    name: str
    where: str  # readable
    description: str = ""
    example: ExampleNode | None = None  # the example structure shown at that place, if any
    source: str = ""  # "response" | "body" | "property"
    section: int | None = None  # the referencing section's index for "property"


@dataclass
class Page:
    operations: list[Operation] = field(default_factory=list)
    sections: list[SchemaSection] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader could not place or suspects

    def operation(self, method: str, path: str) -> Operation | None:
        return next((o for o in self.operations if o.method == method and o.path == path), None)

    def section(self, name: str) -> SchemaSection | None:
        return next((s for s in self.sections if s.name == name), None)

    @property
    def unidentified(self) -> list[SchemaSection]:
        return [s for s in self.sections if s.name is None]

    @property
    def lost_schemas(self) -> dict[str, list[Reference]]:
        """Names the page references but whose section is not on it (lost or cut off)."""
        named = {s.name for s in self.sections if s.name}
        lost: dict[str, list[Reference]] = {}
        for ref in self.references:
            if ref.name not in named:
                lost.setdefault(ref.name, []).append(ref)
        return lost


# --------------------------------------------------------------------------------------------- parsing helpers


def parse_type(raw: str) -> TypeExpr | None:
    """Parse a Type cell. None when the text is not a type (so a prose line is not mistaken for a row)."""
    text = raw.strip()
    if not text:
        return None
    fmt = None
    match = _TRAILING_FORMAT.match(text)
    if match and not text.endswith("])"):
        text, fmt = match["base"], match["fmt"]
    parts = _split_top_level(text)
    nullable = False
    kinds: list[TypeExpr] = []
    for part in parts:
        if part == "null":
            nullable = True
        elif (part.startswith("[") or part.startswith("array[")) and part.endswith("]"):
            items = parse_type(part[part.index("[") + 1 : -1])
            if items is None:
                return None
            kinds.append(TypeExpr(raw=part, kind="array", items=items))
        elif part in PRIMITIVES or part in COMBINATORS:
            kinds.append(TypeExpr(raw=part, kind=part))
        elif _SCHEMA_NAME.match(part):
            kinds.append(TypeExpr(raw=part, kind="ref", ref=part))
        else:
            return None
    if not kinds:
        return TypeExpr(raw=raw.strip(), kind="null", nullable=True, format=fmt) if nullable else None
    if len(kinds) == 1:
        only = kinds[0]
        return TypeExpr(
            raw=raw.strip(), kind=only.kind, nullable=nullable, format=fmt, ref=only.ref, items=only.items
        )
    return TypeExpr(
        raw=raw.strip(), kind="union", nullable=nullable, format=fmt, kinds=tuple(k.raw for k in kinds)
    )


def is_deprecated(text: str) -> bool:
    """The page marks deprecation in prose: "(Deprecated in v2.32) ..." or "... DEPRECATED: ..."."""
    return bool(_DEPRECATED.search(text))


def stated_default(description: str) -> str | None:
    """The default a description states in words ("..., defaults to 0.", "Defaults to the current time")."""
    match = _DEFAULT.search(description)
    return match[1].strip() if match else None


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def parse_enum_values(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [v.strip() for v in inner.split(",")] if inner else []
    return [text]


def _number(text: str) -> int | float | str | bool:
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def is_json_line(line: str) -> bool:
    return bool(_JSON_KEY.match(line) or _JSON_PUNCT.match(line))


def parse_example(lines: list[str]) -> ExampleNode:
    """Rebuild an example's tree from indentation (the scrape dropped braces and scalar array items)."""
    root = ExampleNode("object")
    stack: list[tuple[int, ExampleNode]] = [(-1, root)]
    for line in lines:
        if _JSON_PUNCT.match(line):
            continue
        key_match = _JSON_KEY.match(line)
        if key_match is None:
            scalar = _JSON_SCALAR.match(line)
            if scalar is None:
                continue
            indent = len(scalar[1])
            while len(stack) > 1 and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1]
            if parent.kind == "array" and parent.item is None:
                parent.item = ExampleNode("scalar", _scalar(scalar[2]))
            continue
        indent, key, value = len(key_match[1]), _unescape(key_match[2]), key_match[3].rstrip(",").strip()
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if parent.kind == "array":
            if parent.item is None or parent.item.kind != "object":
                parent.item = ExampleNode("object")
            parent = parent.item
        if value.startswith("{") and not value.endswith("}"):
            node = ExampleNode("object")
            stack.append((indent, node))
        elif value.startswith("[") and not value.endswith("]"):
            node = ExampleNode("array")
            stack.append((indent, node))
        elif value in ("{}", "[]"):
            node = ExampleNode("object" if value == "{}" else "array")
        else:
            node = ExampleNode("scalar", _scalar(value))
        parent.children[key] = node
    return root


def _unescape(text: str) -> str:
    try:
        return json.loads(f'"{text}"')
    except json.JSONDecodeError:
        return text


def _scalar(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


_PHRASES: dict[str, list[str]] = {}
for _status in http.HTTPStatus:
    _PHRASES.setdefault(str(_status.value), []).append(_status.phrase)
_PHRASES.setdefault("422", []).extend(["Unprocessable Entity", "Unprocessable Content"])
_PHRASES.setdefault("413", []).extend(["Payload Too Large", "Request Entity Too Large", "Content Too Large"])


def _parse_status_row(status: str, rest: str) -> tuple[str | None, str, str | None]:
    meaning = None
    for phrase in sorted(_PHRASES.get(status, []), key=len, reverse=True):
        if rest == phrase or rest.startswith(phrase + " "):
            meaning, rest = phrase, rest[len(phrase) :].strip()
            break
    tokens = rest.rsplit(None, 1)
    if not tokens:
        return meaning, "", None
    if len(tokens) == 1:
        schema_token, description = tokens[0], ""
    else:
        description, schema_token = tokens
    schema = None if schema_token == "None" else schema_token
    if description == "none":
        description = ""
    return meaning, description, schema


# --------------------------------------------------------------------------------------------- the reader


def read_page(path: str | Path) -> Page:
    """Read a copy of the page from disk (OSError / UnicodeDecodeError propagate to the caller)."""
    return parse_page(Path(path).read_text(encoding="utf-8"))


def parse_page(text: str) -> Page:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    page = Page()
    headers = [i for i, line in enumerate(lines) if _OP_HEADER.match(line.strip())]
    schema_start = 0
    for n, start in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(lines)
        operation, stop = _parse_operation(lines, start, end, page.notes)
        page.operations.append(operation)
        schema_start = stop
    page.sections = _parse_sections(lines, schema_start, page.notes)
    _attach_section_references(page)
    _identify_sections(page)
    _locate_unidentified(page)
    _check_examples_against_tables(page)
    return page


def _parse_operation(lines: list[str], start: int, end: int, notes: list[str]) -> tuple[Operation, int]:
    """Parse one operation's block; returns it and the index where the block really ended."""
    header = _OP_HEADER.match(lines[start].strip())
    assert header is not None
    method, full_path = header[1], header[2]
    path = full_path[len(BASE_PATH) :] if full_path.startswith(BASE_PATH + "/") else full_path
    if not full_path.startswith(BASE_PATH + "/"):
        notes.append(f"line {start + 1}: {method} {full_path} is not under {BASE_PATH}")
    op = Operation(method=method, path=path, line=start + 1)
    paragraphs: list[list[str]] = [[]]
    mode = "description"
    example_lines: list[str] = []
    example_target: str | None = None  # "body" or a status
    enum_rows: list[tuple[str, list[str], int]] = []
    stop = end

    def flush_example() -> None:
        nonlocal example_lines, example_target
        if example_target is not None and example_lines:
            tree = parse_example(example_lines)
            if example_target == "body":
                op.body_example = tree
            else:
                op.response_examples[example_target] = tree
        example_lines, example_target = [], None

    for i in range(start + 1, end):
        raw = lines[i]
        line = raw.strip()
        if _AUTH_LINE.match(line):
            flush_example()
            stop = i + 1
            break
        marker = True
        if line == "Code samples":
            mode = "code"
        elif line == "Body parameter":
            flush_example()
            mode, example_target = "example", "body"
        elif _PARAM_HEADER.match(line):
            flush_example()
            mode = "parameters"
        elif _ENUM_TITLE.match(line):
            flush_example()
            mode = "enum-title"
        elif _ENUM_HEADER.match(line):
            mode = "enum"
        elif line == "Example responses":
            flush_example()
            mode = "examples"
        elif (title := _EXAMPLE_TITLE.match(line)) and mode in ("examples", "example"):
            flush_example()
            mode, example_target = "example", title[1]
        elif _STATUS_HEADER.match(line):
            flush_example()
            mode = "status"
        else:
            marker = False
        if marker:
            continue
        if mode == "description":
            if line:
                paragraphs[-1].append(line)
            elif paragraphs[-1]:
                paragraphs.append([])
        elif mode == "code" or not line:
            continue
        elif mode == "example":
            if is_json_line(raw) or _JSON_SCALAR.match(raw):
                example_lines.append(raw)
            else:
                notes.append(f"line {i + 1}: {op.key}: unexpected text in an example: {line[:60]!r}")
        elif mode == "parameters":
            _parameter_row(op, line, i, notes)
        elif mode == "enum":
            name, _, values = line.partition(" ")
            enum_rows.append((name.lstrip("» "), parse_enum_values(values), i))
        elif mode == "status":
            row = _STATUS_ROW.match(line)
            if row is None and is_json_line(raw):
                stop = i  # no authentication line: the schema sections begin with this example
                break
            if row is None:
                notes.append(f"line {i + 1}: {op.key}: unreadable status row {line[:60]!r}")
                continue
            meaning, description, schema = _parse_status_row(row["status"], row["rest"])
            if meaning is None:
                notes.append(f"line {i + 1}: {op.key}: unknown reason phrase in {line[:60]!r}")
            op.responses.append(Response(row["status"], meaning, description, schema, i + 1))
        else:
            notes.append(f"line {i + 1}: {op.key}: text outside any known block: {line[:60]!r}")
    flush_example()
    paras = [" ".join(p) for p in paragraphs if p]
    op.summary = paras[0] if paras else ""
    op.description = "\n\n".join(paras)
    op.deprecated = any(is_deprecated(p) for p in paras)
    for name, values, i in enum_rows:
        param = next((p for p in op.parameters if p.name == name), None)
        if param is None:
            notes.append(f"line {i + 1}: {op.key}: enum row for unknown parameter {name!r}")
            continue
        param.enum = (param.enum or []) + values
    return op, stop


def _parameter_row(op: Operation, line: str, i: int, notes: list[str]) -> None:
    row = _PARAM_ROW.match(line)
    type_expr = parse_type(row["type"]) if row else None
    if row is None or type_expr is None:
        if line.startswith("»"):
            notes.append(f"line {i + 1}: {op.key}: nested body row ignored (the body schema holds it)")
        elif op.parameters:
            op.parameters[-1].description += " " + line
        elif op.body is not None:
            op.body.description += " " + line
        else:
            notes.append(f"line {i + 1}: {op.key}: unreadable parameter row {line[:60]!r}")
        return
    required = row["req"] == "true"
    description = (row["desc"] or "").strip()
    if row["loc"] == "body":
        op.body = Body(
            type_expr.ref, type_expr, required, "" if description == "none" else description, i + 1
        )
        return
    op.parameters.append(Parameter(row["name"], row["loc"], type_expr, required, description, line=i + 1))


def _parse_sections(lines: list[str], start: int, notes: list[str]) -> list[SchemaSection]:
    sections: list[SchemaSection] = []
    current: SchemaSection | None = None
    state = "between"
    example_lines: list[str] = []
    description: list[str] = []
    last_word = ""
    pending_heading: str | None = None
    last_prop: Property | None = None
    enum_tables: list[list[tuple[str, list[str], int]]] = []
    has_table = False

    def finish() -> None:
        nonlocal current, example_lines, description, enum_tables, has_table, last_prop
        if current is not None:
            if example_lines:
                current.example = parse_example(example_lines)
            current.description = " ".join(description).strip()
            _apply_enum_tables(current, enum_tables, notes)
            sections.append(current)
        current, example_lines, description, enum_tables, has_table, last_prop = None, [], [], [], False, None

    def begin(i: int) -> None:
        nonlocal current, pending_heading
        finish()
        current = SchemaSection(index=len(sections) + 1, line=i + 1, heading=pending_heading)
        pending_heading = None

    for i in range(start, len(lines)):
        raw = lines[i]
        line = raw.strip()
        if not line:
            continue
        if is_json_line(raw) and state in ("between", "example", "table", "enum", "enum-title"):
            if state != "example":
                begin(i)
            example_lines.append(raw)
            state = "example"
        elif _FOOTER.match(line):
            notes.append(f"line {i + 1}: page footer ignored: {line[:60]!r}")
        elif _PROP_HEADER.match(line):
            # A table right after a table continues the section when a combinator word separates them or
            # its rows are `»` rows (the scrape may drop the oneOf/xor words); otherwise a schema begins.
            continuation = last_word in _COMBINATOR_LINES or _next_line(lines, i).startswith("»")
            if current is None or (has_table and not continuation):
                begin(i)
            has_table, state = True, "table"
        elif _ENUM_TITLE.match(line):
            state = "enum-title"
        elif _ENUM_HEADER.match(line) and state == "enum-title":
            enum_tables.append([])
            state = "enum"
        elif line in _COMBINATOR_LINES:
            state = "combinator"
        elif line == "Properties":
            pass
        elif (
            _HEADING.match(line)
            and not lines[i - 1].strip()
            and _next_is_example(lines, i)
            and state != "example"
        ):
            finish()
            pending_heading, state = line, "between"
        elif state == "example":
            description.append(line)
            state = "description"
        elif state == "description":
            description.append(line)
        elif state == "table":
            last_prop = _property_row(current, line, i, last_prop, notes)
        elif state == "enum":
            name, _, values = line.partition(" ")
            enum_tables[-1].append((name.lstrip("» "), parse_enum_values(values), i))
        else:
            notes.append(f"line {i + 1}: text outside any schema block: {line[:60]!r}")
        last_word = line
    finish()
    return sections


def _next_line(lines: list[str], i: int) -> str:
    return next((line.strip() for line in lines[i + 1 :] if line.strip()), "")


def _next_is_example(lines: list[str], i: int) -> bool:
    for line in lines[i + 1 :]:
        if line.strip() in ("", "Properties"):
            continue
        return is_json_line(line) or bool(_PROP_HEADER.match(line.strip()))
    return False


def _property_row(
    section: SchemaSection | None, line: str, i: int, last: Property | None, notes: list[str]
) -> Property | None:
    assert section is not None
    row = _PROP_ROW.match(line)
    type_expr = parse_type(row["type"]) if row else None
    if row is None or type_expr is None:
        if last is None:
            notes.append(f"line {i + 1}: {section.label}: unreadable property row {line[:60]!r}")
        else:
            _restrictions_and_description(last, line)
        return last
    depth = row["depth"].count("»")
    prop = Property(row["name"], type_expr, row["req"] == "true", line=i + 1)
    _restrictions_and_description(prop, row["rest"] or "")
    if depth == 0:
        if prop.name == "anonymous":
            section.variants.append(type_expr)
            return last
        section.properties.append(prop)
        return prop
    parent = _parent_at_depth(section, depth - 1, combinator=prop.name == "anonymous")
    if parent is None:
        notes.append(f"line {i + 1}: {section.label}: nested row {prop.name!r} without a parent")
        return last
    if prop.name == "anonymous":
        parent.variants.append(type_expr)
        return parent
    parent.children.append(prop)
    return prop


def _parent_at_depth(section: SchemaSection, depth: int, combinator: bool) -> Property | None:
    """The most recent property at `depth`; for `anonymous` rows prefer the last oneOf/anyOf-typed one."""
    level = section.properties
    candidates: list[Property] = []
    for _ in range(depth + 1):
        if not level:
            return None
        candidates = level
        level = level[-1].children
    if combinator:
        for prop in reversed(candidates):
            if prop.type.kind in COMBINATORS or (prop.type.items and prop.type.items.kind in COMBINATORS):
                return prop
    return candidates[-1]


def _restrictions_and_description(prop: Property, text: str) -> None:
    text = text.strip()
    while (match := _RESTRICTION.match(text)) is not None:
        prop.restrictions[match[1]] = _number(match[2])
        text = match[3].strip()
    if text and text != "none":
        prop.description = f"{prop.description} {text}".strip()


def _apply_enum_tables(
    section: SchemaSection, tables: list[list[tuple[str, list[str], int]]], notes: list[str]
) -> None:
    for rows in tables:
        if not rows:
            _attribute_lost_enum(section, notes)
            continue
        for name, values, i in rows:
            prop = next((p for p in section.all_properties() if p.name == name), None)
            if prop is None:
                notes.append(f"line {i + 1}: {section.label}: enum row for unknown property {name!r}")
                continue
            prop.enum = (prop.enum or []) + values


def _attribute_lost_enum(section: SchemaSection, notes: list[str]) -> None:
    """An empty enum table: its rows were lost. Give it to the one string property whose example is not a
    placeholder (the generator shows an enum's first member); otherwise leave it unattributed."""
    suspects = [
        p
        for p in section.properties
        if p.enum is None and not p.enum_lost and _example_suggests_enum(section, p)
    ]
    if len(suspects) == 1:
        suspects[0].enum_lost = True
        return
    section.lost_enum_tables += 1
    notes.append(
        f"line {section.line}: an empty enum table (rows lost in the scrape) could not be attributed "
        f"to one property (candidates: {', '.join(p.name for p in suspects) or 'none'})"
    )


def _example_suggests_enum(section: SchemaSection, prop: Property) -> bool:
    if section.example is None or prop.type.kind not in ("string", "array"):
        return False
    node = section.example.children.get(prop.name)
    if node is not None and node.kind == "array":
        node = node.item
    return node is not None and isinstance(node.value, str) and node.value not in _PLACEHOLDERS


# --------------------------------------------------------------------------------------------- identification


def _attach_section_references(page: Page) -> None:
    for op in page.operations:
        for response in op.responses:
            if response.schema and _SCHEMA_NAME.match(response.schema):
                page.references.append(
                    Reference(
                        response.schema,
                        f"{op.key} response {response.status}",
                        response.description,
                        op.response_examples.get(response.status),
                        "response",
                    )
                )
        if op.body is not None and op.body.schema:
            page.references.append(
                Reference(op.body.schema, f"{op.key} request body", "", op.body_example, "body")
            )
    for section in page.sections:
        for prop in section.all_properties():
            for type_expr in (prop.type, *prop.variants):
                for name in type_expr.refs():
                    sub = section.example.children.get(prop.name) if section.example else None
                    if sub is not None and prop.type.kind == "array":
                        sub = sub.item
                    page.references.append(
                        Reference(
                            name,
                            f"property {prop.name!r} of section #{section.index}",
                            prop.description,
                            sub if type_expr is prop.type else None,
                            "property",
                            section.index,
                        )
                    )
            if prop.variants and section.example is not None:
                # The example shows one member of a oneOf: it is one of the variants, which one is open.
                sub = section.example.children.get(prop.name)
                if sub is not None and sub.kind == "array":
                    sub = sub.item
                for variant in prop.variants:
                    for name in variant.refs():
                        page.references.append(
                            Reference(
                                name,
                                f"a oneOf member of property {prop.name!r} of section #{section.index}",
                                "",
                                sub,
                                "variant",
                                section.index,
                            )
                        )
        for type_expr in section.variants:
            for name in type_expr.refs():
                page.references.append(
                    Reference(
                        name, f"variant of section #{section.index}", "", None, "property", section.index
                    )
                )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").casefold()


def _identify_sections(page: Page) -> None:
    for section in page.sections:
        if section.heading:
            section.candidates.setdefault(section.heading, []).append("heading")
        signature = section.example.signature() if section.example else None
        for ref in page.references:
            if ref.source in ("property", "variant") and ref.section == section.index:
                continue  # a schema does not identify itself
            if signature is not None and ref.example is not None and ref.example.signature() == signature:
                kind = ref.source if ref.source in ("response", "body", "variant") else "reference+example"
                section.candidates.setdefault(ref.name, []).append(f"{kind} ({ref.where})")
            if (
                ref.source == "property"
                and section.description
                and ref.description
                and _norm(ref.description) == _norm(section.description)
            ):
                section.candidates.setdefault(ref.name, []).append(f"reference+description ({ref.where})")
    # Anchors: sections with exactly one candidate; they must appear in alphabetical order.
    anchors = [s for s in page.sections if len(s.candidates) == 1]
    keep = _longest_sorted([next(iter(s.candidates)) for s in anchors])
    for n, section in enumerate(anchors):
        name = next(iter(section.candidates))
        if n in keep:
            section.name, section.evidence = name, section.candidates[name]
        else:
            section.conflict = f"candidate {name!r} is out of the alphabetical order of its neighbours"
    _settle_with_windows(page)
    _assign_slots(page)
    # One name, one section.
    by_name: dict[str, list[SchemaSection]] = {}
    for section in page.sections:
        if section.name:
            by_name.setdefault(section.name, []).append(section)
    for name, holders in by_name.items():
        if len(holders) > 1:
            for section in holders:
                section.name, section.evidence = None, []
                section.conflict = f"{name!r} matches sections {', '.join(str(s.index) for s in holders)}"
    _set_windows(page)
    for section in page.sections:
        if section.name is None and section.conflict is None:
            section.conflict = (
                "no evidence on the page names it"
                if not section.candidates
                else "several candidate names: " + ", ".join(sorted(section.candidates))
            )


def _settle_with_windows(page: Page) -> None:
    _set_windows(page)
    for section in page.sections:
        if section.name is None and len(section.candidates) > 1:
            inside = [n for n in section.candidates if _in_window(n, section.window)]
            if len(inside) == 1:
                section.name = inside[0]
                section.evidence = [*section.candidates[inside[0]], "alphabetical order"]


def _assign_slots(page: Page) -> None:
    """Unnamed sections between two identified neighbours (or one and the end of the list) take the
    referenced names that have no section and sort between those neighbours, when there are exactly as
    many names as sections and every section's own candidates (if any) agree."""
    _set_windows(page)
    named = {s.name for s in page.sections if s.name}
    if not named:
        return  # no identified section confirms that this copy lists its schemas alphabetically
    unplaced = sorted({r.name for r in page.references} - named, key=str.casefold)
    groups: dict[tuple[str | None, str | None], list[SchemaSection]] = {}
    for section in page.sections:
        if section.name is None:
            groups.setdefault(section.window, []).append(section)
    for (low, high), group in groups.items():
        names = [
            n
            for n in unplaced
            if (low is None or low.casefold() < n.casefold())
            and (high is None or n.casefold() < high.casefold())
        ]
        if len(names) != len(group):
            continue
        if any(s.candidates and n not in s.candidates for s, n in zip(group, names, strict=True)):
            continue
        for section, name in zip(group, names, strict=True):
            section.name = name
            section.conflict = None
            section.evidence = [
                *section.candidates.get(name, []),
                f"alphabetical slot (the names referenced on the page without a section between "
                f"{low or 'the start'} and {high or 'the end'} are {', '.join(names)})",
            ]


def _set_windows(page: Page) -> None:
    for section in page.sections:
        before = [s.name for s in page.sections[: section.index - 1] if s.name]
        after = [s.name for s in page.sections[section.index :] if s.name]
        section.window = (before[-1] if before else None, after[0] if after else None)


def _in_window(name: str, window: tuple[str | None, str | None]) -> bool:
    low, high = window
    key = name.casefold()
    return (low is None or low.casefold() <= key) and (high is None or key <= high.casefold())


def _longest_sorted(names: list[str]) -> set[int]:
    """Indexes of a longest non-decreasing (case-insensitive) subsequence."""
    keys = [n.casefold() for n in names]
    best: list[list[int]] = []
    for i, key in enumerate(keys):
        chains = [c for c in best if keys[c[-1]] <= key]
        chain = [*max(chains, key=len), i] if chains else [i]
        best.append(chain)
    return set(max(best, key=len)) if best else set()


def _locate_unidentified(page: Page) -> None:
    """Record where an unnamed section's example structure occurs inside other examples."""
    examples: list[tuple[str, str, str | None, ExampleNode]] = []
    for op in page.operations:
        for status, tree in op.response_examples.items():
            examples.append(("response", op.key, status, tree))
        if op.body_example is not None:
            examples.append(("body", op.key, None, op.body_example))
    for section in page.sections:
        if section.example is not None:
            examples.append(("section", section.label, None, section.example))
    for section in page.unidentified:
        if section.example is None or not section.example.children:
            continue
        signature = section.example.signature()
        for source, owner, status, tree in examples:
            if source == "section" and owner == section.label:
                continue
            for path, node in tree.walk():
                if path and node.signature() == signature:
                    section.positions.append(Position(source, owner, status, path))


def _check_examples_against_tables(page: Page) -> None:
    last = page.sections[-1].index if page.sections else None
    for section in page.sections:
        if section.example is None or not section.properties:
            continue
        rows = {p.name for p in section.properties}
        section.example_only = [k for k in section.example.children if k not in rows]
        missing = [p.name for p in section.properties if p.name not in section.example.children]
        if section.example_only:
            section.truncated = section.index == last
            why = "the page ends inside it" if section.truncated else "rows lost"
            page.notes.append(
                f"line {section.line}: {section.label}: example keys without a table row ({why}): "
                + ", ".join(section.example_only)
            )
        if missing:
            page.notes.append(
                f"line {section.line}: {section.label}: table rows missing from its example: "
                + ", ".join(missing)
            )
        for prop in section.properties:
            if prop.enum is None and not prop.enum_lost and _example_suggests_enum(section, prop):
                value = section.example.children[prop.name]
                shown = value.item.value if value.kind == "array" and value.item else value.value
                page.notes.append(
                    f"line {prop.line}: {section.label}.{prop.name}: example {shown!r} is not a placeholder "
                    "and no enum is listed (an enum row may have been lost, or it is only an example)"
                )
