"""Leave no litter: what a writes run created, and the clean-up at its end.

- Every run has an id; `name_prefix()` (`mmcontract-<run id>-`) starts every name the suite gives a resource
  it creates (the semantic write checks, `writable_registered_model`, and, through a `before_call` hook,
  Schemathesis's create bodies), so what a run left behind can be found by listing with `search`.
- `created_by(...)` says what a create answered: the model package (body `id` or `Location`), and the registered
  model when the request did not name an existing one (`registeredModelId`): a version added to a model the run
  did not create leaves that model alone. A create answer that does not name its new registered model (202
  `{"id"}` only, or no body) marks the package `made_model`: the clean-up reads the package's
  `registeredModelId` and deletes that model only if every version it lists is a package this run created.
  The pytest plugin writes each as a `created` record (one JSON line per resource, per process, in the results
  directory, so pytest-xdist workers and a runner whose child died share them).
- `clean_up(...)`: DELETE every created registered model (which archives its versions), archive every created
  model package, then list both collections with `search=<prefix>` and clean what carries the prefix but was
  not recorded (a target that answers a create without ids). Nothing else is touched: only recorded ids (a
  recorded registered model whose versions show one the run did not create is left alone) and names the target
  lists with this run's prefix. What could not be cleaned comes back as one line each: kind, id, name, why.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

NAME_PREFIX = "mmcontract-"
CREATE_PATHS = ("/fromLeaderboard/", "/fromLearningModel/")
SEARCH_LIMIT = 100
MAX_SEARCH_PAGES = 50  # a target that ignores `search` is not walked to its end
Kind = Literal["registered model", "model package"]
REGISTERED_MODEL: Kind = "registered model"
MODEL_PACKAGE: Kind = "model package"
COLLECTIONS: dict[Kind, str] = {REGISTERED_MODEL: "registeredModels/", MODEL_PACKAGE: "modelPackages/"}
_PACKAGE_IN_LOCATION = re.compile(r"/modelPackages/([^/?#]+)/?$")

_run_id = secrets.token_hex(4)


def new_run_id() -> str:
    return secrets.token_hex(4)


def set_run_id(run_id: str) -> None:
    global _run_id
    _run_id = run_id


def run_id() -> str:
    return _run_id


def name_prefix(run: str | None = None) -> str:
    """`mmcontract-<run id>-`: what every name this run gives starts with."""
    return f"{NAME_PREFIX}{run or _run_id}-"


def prefixed(value: str, prefix: str | None = None) -> str:
    """`value` made to start with the run's prefix. A value at least as long as the prefix keeps its length
    (its first characters are replaced), so a length boundary it was generated to test still holds."""
    prefix = prefix or name_prefix()
    if value.startswith(prefix):
        return value
    return prefix + (value[len(prefix) :] if len(value) >= len(prefix) else value)


def is_create(method: str, path: str) -> bool:
    """Whether a request (spec path or URL path) creates a model package (and maybe a registered model)."""
    return method.upper() == "POST" and (path.rstrip("/") + "/").endswith(CREATE_PATHS)


@dataclass(frozen=True)
class Created:
    kind: Kind
    id: str
    name: str | None = None
    made_model: bool = False  # a package whose create made a registered model the answer did not name

    def record(self) -> dict[str, Any]:
        record = {"kind": "created", "resource": self.kind, "id": self.id, "name": self.name}
        return {**record, "made_model": True} if self.made_model else record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Created | None:
        kind, ident = record.get("resource"), record.get("id")
        if kind not in (REGISTERED_MODEL, MODEL_PACKAGE) or not isinstance(ident, str) or not ident:
            return None
        name = record.get("name")
        return cls(kind, ident, name if isinstance(name, str) else None, record.get("made_model") is True)

    @property
    def path(self) -> str:
        """The resource's path, relative to the API base: `registeredModels/ID/` or `modelPackages/ID/`."""
        return f"{COLLECTIONS[self.kind]}{self.id}/"

    def line(self, why: str) -> str:
        return f"{self.kind} {self.id} ({self.name or 'name unknown'}): {why}"


def package_id_of(response_body: Any, location: str | None) -> str | None:
    """The model package a create answer names: its body's `id` (the official client reads the body as a
    package), or else the `Location` header."""
    package_id = response_body.get("id") if isinstance(response_body, dict) else None
    if isinstance(package_id, str) and package_id:
        return package_id
    match = _PACKAGE_IN_LOCATION.search(location or "")
    return match.group(1) if match else None


def created_by(request_body: Any, response_body: Any, location: str | None = None) -> list[Created]:
    """What a 2xx create answered: its package (`id`, or the `Location` header) and, unless the request named
    an existing registered model, the new registered model (`registeredModelId`; see `made_model`)."""
    answer = response_body if isinstance(response_body, dict) else {}
    sent = request_body if isinstance(request_body, dict) else {}
    names = [sent.get("registeredModelName"), sent.get("name"), answer.get("name")]
    rm_name = next((n for n in names if isinstance(n, str) and n), None)
    package_name = next((n for n in names[1:] if isinstance(n, str) and n), None)
    new_model = sent.get("registeredModelId") in (None, "")
    model_id = answer.get("registeredModelId")
    named_model = isinstance(model_id, str) and bool(model_id)
    package_id = package_id_of(answer, location)
    found: list[Created] = []
    if package_id:
        found.append(Created(MODEL_PACKAGE, package_id, package_name, new_model and not named_model))
    if named_model and new_model:
        found.append(Created(REGISTERED_MODEL, str(model_id), rm_name))
    return found


def created_from_records(records: Iterable[dict[str, Any]]) -> tuple[list[Created], set[tuple[str, str]]]:
    """The resources the records say were created (in order, once each), and those already cleaned."""
    created: dict[tuple[str, str], Created] = {}
    cleaned: set[tuple[str, str]] = set()
    for record in records:
        if record.get("kind") == "created":
            item = Created.from_record(record)
            if item is not None:
                created.setdefault((item.kind, item.id), item)
        elif record.get("kind") == "cleaned":
            cleaned.add((str(record.get("resource")), str(record.get("id"))))
    return list(created.values()), cleaned


@dataclass
class CleanupReport:
    prefix: str = ""  # the run's name prefix
    requests: int = 0
    deleted: int = 0  # registered models
    archived: int = 0  # model packages
    unrecorded: int = 0  # found by the prefix search only
    leftovers: list[str] = field(default_factory=list)
    complete: bool = True  # False: interrupted

    def record(self) -> dict[str, Any]:
        return {
            "kind": "cleanup",
            "requests": self.requests,
            "deleted": self.deleted,
            "archived": self.archived,
            "unrecorded": self.unrecorded,
            "leftovers": list(self.leftovers),
            "complete": self.complete,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        return (
            f"clean-up ({self.prefix}*): {self.deleted} registered models deleted, {self.archived} model packages archived"
            f"{f' ({self.unrecorded} found by search only)' if self.unrecorded else ''}, "
            f"{self.requests} requests, {len(self.leftovers)} left over"
        )


class _Cleaner:
    def __init__(
        self,
        client: httpx.Client,
        report: CleanupReport,
        on_cleaned: Callable[[Created], None],
        ours: set[str],
        prefix: str,
    ):
        self.client = client
        self.report = report
        self.on_cleaned = on_cleaned
        self.ours = ours  # every model package id the run created (the versions its own models may have)
        self.prefix = prefix
        self.handled: set[tuple[str, str]] = set()
        self.cleaned: set[tuple[str, str]] = set()

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.report.requests += 1
        return self.client.request(method, path, **kwargs)

    def clean(self, item: Created, *, owned: bool = False) -> None:
        """Delete (a registered model) or archive (a package). `owned`: a model known to be the run's (listed
        under the run's prefix, or its versions checked); otherwise a model's versions are checked first."""
        if (item.kind, item.id) in self.handled:
            return
        self._clean(item, owned)  # an interrupt inside leaves it unhandled: listed as interrupted
        self.handled.add((item.kind, item.id))

    def foreign_version(self, model_id: str) -> str | None:
        """A version of the registered model that this run did not create (by id, or by the run's prefix in its
        name), if its first versions page shows one: such a model is not deleted."""
        for version in self.versions(model_id) or []:
            if not isinstance(version, dict):
                continue
            name = version.get("name")
            if version.get("id") not in self.ours and not (
                isinstance(name, str) and name.startswith(self.prefix)
            ):
                return str(version.get("id"))
        return None

    def versions(self, model_id: str) -> list[Any] | None:
        """The first versions page (up to 100) of a registered model, or None when it cannot be read."""
        response = self.send("GET", f"registeredModels/{model_id}/versions/", params={"limit": 100})
        body = _json(response) if response.status_code == 200 else None
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, list) else None

    def _clean(self, item: Created, owned: bool) -> None:
        model = item.kind == REGISTERED_MODEL
        path = item.path
        what = "DELETE" if model else "archive"
        try:
            foreign = self.foreign_version(item.id) if model and not owned else None
            if foreign:  # never happens on a server that makes a new model per create; never touch another's
                self.report.leftovers.append(
                    item.line(f"not deleted: it has version {foreign}, not the run's")
                )
                return
            response = self.send("DELETE", path) if model else self.send("POST", f"{path}archive/")
            done = response.is_success
            if not done:  # already archived (an earlier check or a stateful step did it), or gone
                after = self.send("GET", path)
                body = _json(after)
                done = after.status_code == 404 or (
                    after.status_code == 200 and isinstance(body, dict) and body.get("isArchived") is True
                )
                if not done:
                    self.report.leftovers.append(item.line(f"{what} answered {response.status_code}"))
                    return
        except httpx.HTTPError as exc:
            self.report.leftovers.append(item.line(f"{what} failed: {type(exc).__name__}"))
            return
        if response.is_success:
            if model:
                self.report.deleted += 1
            else:
                self.report.archived += 1
        self.cleaned.add((item.kind, item.id))
        self.on_cleaned(item)

    def reads_archived(self, item: Created) -> bool:
        """Whether the item reads back archived (a server may keep archived items listed, the page is silent)."""
        try:
            body = _json(self.send("GET", item.path))
        except httpx.HTTPError:
            return False
        return isinstance(body, dict) and body.get("isArchived") is True

    def models_of(self, packages: list[Created]) -> list[Created]:
        """The registered models made by creates whose answers did not name them: read from each package, kept
        only when every version the model lists is a package this run created (so it is the run's own)."""
        ours = self.ours
        found: dict[str, Created] = {}
        for package in packages:
            if not package.made_model:
                continue
            try:
                body = _json(self.send("GET", f"modelPackages/{package.id}/"))
                model_id = body.get("registeredModelId") if isinstance(body, dict) else None
                if not isinstance(model_id, str) or not model_id or model_id in found:
                    continue
                data = self.versions(model_id)
            except httpx.HTTPError:
                continue
            if data and all(isinstance(v, dict) and v.get("id") in ours for v in data):
                found[model_id] = Created(REGISTERED_MODEL, model_id, package.name)
        return list(found.values())

    def search(self, kind: Kind, prefix: str) -> list[Created]:
        """Live (listed) resources whose name starts with `prefix`."""
        path = COLLECTIONS[kind]
        found: list[Created] = []
        offset = 0
        for _ in range(MAX_SEARCH_PAGES):
            params = {"search": prefix, "offset": offset, "limit": SEARCH_LIMIT}
            try:
                response = self.send("GET", path, params=params)
            except httpx.HTTPError as exc:
                self.report.leftovers.append(
                    f"{kind}s named {prefix}*: not searched for: {type(exc).__name__}"
                )
                return found
            body = _json(response)
            data = body.get("data") if isinstance(body, dict) else None
            if response.status_code != 200 or not isinstance(data, list):
                self.report.leftovers.append(
                    f"{kind}s named {prefix}*: not searched for: GET /{path}?search= answered "
                    f"{response.status_code}"
                )
                return found
            for entry in data:
                name, ident = (
                    (entry.get("name"), entry.get("id")) if isinstance(entry, dict) else (None, None)
                )
                ours = isinstance(name, str) and name.startswith(prefix) and isinstance(ident, str) and ident
                if ours and entry.get("isArchived") is not True:  # archived is the clean end state
                    found.append(Created(kind, ident, name))
            offset += len(data)
            if not data or not (body.get("next") or len(data) >= SEARCH_LIMIT):
                break
        return found


def clean_up(
    client: httpx.Client,
    created: Iterable[Created],
    prefix: str,
    *,
    cleaned: Collection[tuple[str, str]] = (),
    on_cleaned: Callable[[Created], None] = lambda item: None,
    protected: Collection[str] = (),
) -> CleanupReport:
    """Clean what the run created but for the (kind, id) pairs in `cleaned` (done before, e.g. by an
    interrupted child); see the module docstring. A registered model the records name (not by the run's
    prefix) is deleted only if its versions are the run's own. `protected` ids (registered models the user
    named with --writable-registered-model) are restored by the suite, never cleaned away, whatever their name.
    Interrupted (Ctrl-C), it stops and lists what remains as leftovers with `complete=False`."""
    created = list(created)
    report = CleanupReport(prefix=prefix)
    ours = {item.id for item in created if item.kind == MODEL_PACKAGE}
    cleaner = _Cleaner(client, report, on_cleaned, ours, prefix)
    cleaner.handled.update((REGISTERED_MODEL, ident) for ident in protected)  # restored, never cleaned away
    pending = [item for item in created if (item.kind, item.id) not in cleaned and item.id not in protected]
    try:
        known = {item.id for item in created if item.kind == REGISTERED_MODEL}
        packages = [item for item in pending if item.kind == MODEL_PACKAGE]
        checked = [item for item in cleaner.models_of(packages) if item.id not in known]
        pending += checked
        pending.sort(key=lambda item: item.kind != REGISTERED_MODEL)  # models first: their versions go too
        for item in pending:
            cleaner.clean(item, owned=item in checked)
        for kind in (REGISTERED_MODEL, MODEL_PACKAGE):
            for item in cleaner.search(kind, prefix):
                if (item.kind, item.id) in cleaner.cleaned:  # answered 2xx, yet listed: archived after all?
                    if not cleaner.reads_archived(item):
                        report.leftovers.append(item.line("still listed and not archived after a 2xx answer"))
                elif (item.kind, item.id) not in cleaner.handled:
                    report.unrecorded += 1
                    cleaner.clean(item, owned=True)  # the name the target lists carries the run's prefix
    except KeyboardInterrupt:
        report.complete = False
        report.leftovers += [
            item.line("the clean-up was interrupted")
            for item in pending
            if (item.kind, item.id) not in cleaner.handled
        ]
    return report


def _json(response: httpx.Response) -> Any:
    with contextlib.suppress(ValueError):
        return response.json()
    return None
