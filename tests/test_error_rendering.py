"""Every error the services (and the adapters) can return renders, in both languages,
as Slack blocks and as plain text, with exactly the data its path gives.

The error calls are found by reading the source (``turn.error(...)`` and
``Reply(..., error=True)``), not listed by hand: a new one is covered as soon as it is
written. A call that forwards its function's parameters (``_error(turn, field, code,
**data)``, ``name_problem(..., empty="empty_name")``) is followed to every call of that
function, so each path contributes the code and the keys it really passes. A code that
cannot be read from the source (``failure.code.value``) stands for every known code.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from messages.errors import TYPED
from messages.render import LANGUAGES, TEMPLATES, Messages
from services.tokenize import FailureCode
from storage.sheet import SHEET
from storage.state import CompetenceInfo, ProjectInfo

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("services", "bot")
PING = "<!channel> & <@U0SPY0001>"
COMPETENCES = tuple(
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET[:3]
)
ENTITY_CODES = {"ambiguous_entity", "unknown_entity"}
MISSING = "<no sample>"


def _sample(key: str, code: str | None) -> Any:
    """A representative value for a key an error path passes."""
    samples: dict[str, Any] = {
        "fragment": f"zzz {PING}",
        "usage": "assign",
        "candidates": (
            [f"DSI {PING}", "DANE Rennes"] if code in ENTITY_CODES else COMPETENCES
        ),
        "suggestion": "statut",
        "expected": "T",
        "limit": 200,
        "field": "new_entity",
        "project": ProjectInfo(1, "T1", f"ENT {PING}", channel_id="C0CHAN0001"),
        "channel": "C0CHAN0001",
        "detail": f"refused {PING}",
        "setting": "SLACK_BOT_TOKEN",
        "pages": 3,
        "action": "answer",
        "subject": f"question:1 {PING}",
        "other": "entities",
        "source": f"matrice {PING}.csv",
        "names": [f"DSI {PING}", "DANE Rennes"],
        "by_lead": True,
        "target": "U0BOB0001",
    }
    return samples.get(key, MISSING)


@dataclass(frozen=True)
class Site:
    """A function of the scanned source, and the module it is in."""

    module: str
    function: ast.FunctionDef | None
    constants: dict[str, str]


@dataclass(frozen=True)
class Binding:
    """The arguments of one call of a function, by parameter name."""

    args: dict[str, ast.expr]
    extra_keys: frozenset[str]
    extra_open: bool
    site: Site


@dataclass
class ErrorPath:
    where: str
    template: str
    codes: set[str] | None
    """None: not readable from the source, every known code."""
    keys: set[str] = field(default_factory=set)
    open_keys: bool = False
    """Forwards a mapping the source doesn't spell out (``**problem.data``)."""


class Source:
    """The scanned modules, their functions and every call in them."""

    def __init__(self) -> None:
        self.calls: list[tuple[Site, ast.Call]] = []
        for folder in SCANNED:
            for path in sorted((ROOT / folder).rglob("*.py")):
                tree = ast.parse(path.read_text(encoding="utf-8"))
                module = str(path.relative_to(ROOT))
                constants = {
                    target.id: node.value.value
                    for node in tree.body if isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                    for target in node.targets if isinstance(target, ast.Name)
                }
                self._walk(tree, Site(module, None, constants))

    def _walk(self, node: ast.AST, site: Site) -> None:
        for child in ast.iter_child_nodes(node):
            inner = site
            if isinstance(child, ast.FunctionDef):
                inner = Site(site.module, child, site.constants)
            if isinstance(child, ast.Call):
                self.calls.append((site, child))
            self._walk(child, inner)

    def calls_of(self, function: ast.FunctionDef) -> list[tuple[Site, ast.Call]]:
        return [
            (site, call) for site, call in self.calls
            if _called_name(call) == function.name and site.function is not function
        ]


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_error_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "error":
        return isinstance(func.value, ast.Name) and func.value.id == "turn"
    if isinstance(func, ast.Name) and func.id == "Reply":
        return any(
            k.arg == "error" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in call.keywords
        )
    return False


def _bind(function: ast.FunctionDef, call: ast.Call, site: Site) -> Binding:
    params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if params[:1] == ["self"] and isinstance(call.func, ast.Attribute):
        params = params[1:]
    args: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
    names = set(params) | {a.arg for a in function.args.kwonlyargs}
    extra: set[str] = set()
    extra_open = False
    for keyword in call.keywords:
        if keyword.arg is None:
            extra_open = True
        elif keyword.arg in names:
            args[keyword.arg] = keyword.value
        else:
            extra.add(keyword.arg)
    return Binding(args, frozenset(extra), extra_open, site)


def _defaults(function: ast.FunctionDef) -> dict[str, ast.expr]:
    positional = [*function.args.posonlyargs, *function.args.args]
    found = dict(zip([a.arg for a in positional[::-1]], function.args.defaults[::-1],
                     strict=False))
    for arg, default in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True):
        if default is not None:
            found[arg.arg] = default
    return found


def _values(expr: ast.expr, site: Site, env: Binding | None) -> set[str] | None:
    """The strings ``expr`` can be, or None when the source doesn't tell."""
    if isinstance(expr, ast.Constant):
        return {expr.value} if isinstance(expr.value, str) else None
    if isinstance(expr, ast.IfExp):
        body, orelse = _values(expr.body, site, env), _values(expr.orelse, site, env)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Call) and _called_name(expr) == "str" and len(expr.args) == 1:
        return _values(expr.args[0], site, env)
    if not isinstance(expr, ast.Name):
        return None
    function = site.function
    if env is not None and function is not None and expr.id in _parameters(function):
        if expr.id in env.args:
            return _values(env.args[expr.id], env.site, None)
        default = _defaults(function).get(expr.id)
        return None if default is None else _values(default, env.site, None)
    if function is not None:
        assigned = [
            node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
        ]
        if assigned:
            found: set[str] = set()
            for value in assigned:
                more = _values(value, site, env)
                if more is None:
                    return None
                found |= more
            return found
    if expr.id in site.constants:
        return {site.constants[expr.id]}
    return None


def _parameters(function: ast.FunctionDef) -> set[str]:
    args = function.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _forwarded(call: ast.Call, function: ast.FunctionDef | None) -> bool:
    """Whether the call passes on parameters of its own function (so its callers decide)."""
    if function is None:
        return False
    names = _parameters(function)
    kwargs = function.args.kwarg.arg if function.args.kwarg else None
    template = call.args[:1]
    code = [k.value for k in call.keywords if k.arg == "code"]
    spread = [k.value for k in call.keywords if k.arg is None]
    return any(isinstance(e, ast.Name) and e.id in names for e in (*template, *code)) or any(
        isinstance(e, ast.Name) and e.id == kwargs for e in spread
    )


def _path(call: ast.Call, site: Site, env: Binding | None) -> ErrorPath:
    where = f"{site.module}:{call.lineno}"
    templates = _values(call.args[0], site, env) if call.args else None
    assert templates, f"{where}: template not readable from the source"
    codes: set[str] | None = None
    keys: set[str] = set()
    open_keys = False
    data: list[ast.keyword] = list(call.keywords)
    if len(call.args) > 1 and isinstance(call.args[1], ast.Dict):
        data += [ast.keyword(arg=str(k.value), value=v) for k, v in zip(
            call.args[1].keys, call.args[1].values, strict=True) if isinstance(k, ast.Constant)]
    kwargs = site.function.args.kwarg.arg if site.function and site.function.args.kwarg else None
    for keyword in data:
        if keyword.arg in {"error", "language", "public", "conversation"}:
            continue
        if keyword.arg is None:
            spread = keyword.value
            if env is not None and isinstance(spread, ast.Name) and spread.id == kwargs:
                keys |= env.extra_keys
                open_keys = open_keys or env.extra_open
            else:
                open_keys = True
            continue
        keys.add(keyword.arg)
        if keyword.arg == "code":
            codes = _values(keyword.value, site, env)
    return ErrorPath(where, "", codes, keys, open_keys)


def discover() -> list[ErrorPath]:
    source = Source()
    paths: list[ErrorPath] = []

    def variants(call: ast.Call, site: Site, env: Binding | None) -> Iterator[ErrorPath]:
        path = _path(call, site, env)
        for template in sorted(_values(call.args[0], site, env) or ()):
            yield dataclasses.replace(path, template=template)

    for site, call in source.calls:
        function = site.function
        if not _is_error_call(call) or (function is not None and function.name == "error"):
            continue  # Turn.error itself builds the Reply its callers describe
        callers = source.calls_of(function) if function is not None else []
        if function is not None and callers and _forwarded(call, function):
            for caller_site, caller in callers:
                paths.extend(variants(call, site, _bind(function, caller, caller_site)))
        else:
            paths.extend(variants(call, site, None))
    unique = {(p.where, p.template, frozenset(p.codes or ()), p.codes is None,
               frozenset(p.keys), p.open_keys): p for p in paths}
    return list(unique.values())


PATHS = discover()
PARSE_CODES = {code.value for code in FailureCode}


def known_codes(template: str) -> set[str]:
    """The codes a path whose code the source doesn't spell may give: a parser's
    failure codes, or any code given to the same template elsewhere."""
    return PARSE_CODES | {c for p in PATHS if p.template == template for c in p.codes or ()}



def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for path in PATHS:
        found = path.codes if path.codes is not None else known_codes(path.template)
        codes: list[str | None] = [*sorted(found)] if "code" in path.keys else [None]
        for code in codes:
            data = {key: _sample(key, code) for key in sorted(path.keys - {"code"})}
            if "code" in path.keys:
                data["code"] = code
            cases.append((path.where, path.template, data))
            if path.open_keys and path.template in TYPED:
                fields = {f.name for f in dataclasses.fields(TYPED[path.template])}
                full = {key: _sample(key, code) for key in sorted(fields - {"code"})}
                cases.append((path.where + "+", path.template, {**full, "code": code}))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def messages() -> Messages:
    return Messages()


def test_the_scan_finds_the_error_calls_of_every_kind() -> None:
    wheres = {path.where.partition(":")[0] for path in PATHS}
    templates = {path.template for path in PATHS}
    assert len(PATHS) >= 60, len(PATHS)
    assert {"services/commands.py", "services/forms.py", "services/entities.py",
            "services/assistant.py", "bot/slack/common.py"} <= wheres
    assert {"error", "form_error", "no_project", "internal_error",
            "slack_not_member", "slack_membership_unknown"} <= templates
    assert any(
        p.template == "error" and "suggestion" not in p.keys
        and (p.codes is None or "unknown_command" in p.codes) for p in PATHS
    ), "an unknown command is rendered without a suggestion too"
    assert any(p.codes and "missing_value" in p.codes for p in PATHS), (
        "a code given by a caller of name_problem() is followed"
    )
    form = [p for p in PATHS if p.template == "form_error" and p.codes == {"bad_contacts"}]
    assert form and all(p.keys == {"field", "code", "limit"} for p in form)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: f"{p.where}:{p.template}")
def test_error_data_uses_only_the_typed_fields(path: ErrorPath) -> None:
    if path.template not in TYPED:
        return
    fields = {f.name for f in dataclasses.fields(TYPED[path.template])}
    assert path.keys <= fields, f"{path.where} passes {sorted(path.keys - fields)}"


def test_every_error_code_has_its_own_message() -> None:
    for language in LANGUAGES:
        source = (TEMPLATES / language / "error.j2").read_text(encoding="utf-8")
        codes = known_codes("error")
        unhandled = {code for code in codes if f'"{code}"' not in source}
        assert not unhandled, f"{language}/error.j2 has no message for {sorted(unhandled)}"


@pytest.mark.parametrize(
    ("where", "template", "data"), CASES, ids=[f"{w}:{t}:{d.get('code')}" for w, t, d in CASES]
)
def test_every_error_path_renders_in_both_languages(
    messages: Messages, where: str, template: str, data: dict[str, Any]
) -> None:
    missing = sorted(key for key, value in data.items() if value is MISSING)
    assert not missing, f"{where}: no sample value for {missing}: add them to _sample()"
    for language in LANGUAGES:
        plain = messages.plain(template, data, language)
        rendered = messages.slack(template, data, language)
        assert plain.strip(), (where, language)
        assert rendered.text.strip() and rendered.blocks, (where, language)
        everything = rendered.text + repr(rendered.blocks)
        assert "<!channel>" not in everything and "<@U0SPY0001>" not in everything, where
        assert "None" not in plain, (where, language, plain)
