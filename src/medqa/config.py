"""Typed configuration: one dataclass per stage, YAML recipes, `key=value` overrides.

Precedence, lowest first: the dataclass defaults, a YAML recipe, then CLI overrides. Every
problem (an unknown key, a wrong type, a value out of range) is collected and reported at once,
naming the key and, for unknown keys, the valid ones. The resolved config is saved next to
every output so a result can always be traced back to the settings that made it.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import io
import textwrap
import tokenize
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from medqa.errors import MedqaError
from medqa.fileio import atomic_write_text

T = TypeVar("T")


def load_config(cls: type[T], recipe: Path | None = None, overrides: Iterable[str] | Mapping[str, Any] = ()) -> T:
    """Build a `cls` instance from its defaults, an optional YAML recipe and overrides.

    `overrides` is either `["split.seed=7", ...]` (values parsed as YAML scalars) or a mapping of
    dotted keys to already-typed values (what the CLI's own flags produce).
    """
    values: dict[str, Any] = {}
    if recipe is not None:
        values = read_recipe(recipe)
    pairs = overrides.items() if isinstance(overrides, Mapping) else (parse_override(o) for o in overrides)
    for key, value in pairs:
        _set_dotted(values, key, value)
    problems: list[str] = []
    config = _build(cls, values, prefix="", problems=problems)
    if problems:
        source = f" (recipe {recipe})" if recipe else ""
        raise MedqaError(f"invalid configuration{source}:\n  - " + "\n  - ".join(problems))
    return typing.cast(T, config)


def read_recipe(path: Path) -> dict[str, Any]:
    """Read a YAML recipe file into a mapping, with a clear error for each way it can be wrong."""
    if not path.is_file():
        raise MedqaError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MedqaError(f"config file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MedqaError(f"config file {path} must hold a mapping of keys to values, not {type(data).__name__}")
    return data


def config_to_dict(config: Any) -> dict[str, Any]:
    """The config as plain data (for YAML/JSON and reports)."""
    return dataclasses.asdict(config)


def save_config(config: Any, path: Path) -> None:
    """Write the resolved config as YAML (atomically)."""
    atomic_write_text(path, yaml.safe_dump(config_to_dict(config), sort_keys=False, allow_unicode=True))


def check(problems: list[str], condition: bool, message: str) -> None:
    """Collect `message` when `condition` is false (used by `__post_init__` validators)."""
    if not condition:
        problems.append(message)


def raise_problems(problems: list[str], what: str) -> None:
    """Raise every collected problem at once."""
    if problems:
        raise MedqaError(f"invalid {what}:\n  - " + "\n  - ".join(problems))


def parse_override(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise MedqaError(f"override {text!r} must look like key=value (for example split.seed=7)")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def _set_dotted(values: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = values
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _build(cls: type, values: Mapping[str, Any], prefix: str, problems: list[str]) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(values) - set(fields))
    for key in unknown:
        problems.append(f"unknown config key '{prefix}{key}'; valid keys: {', '.join(sorted(fields))}")
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        if name not in fields:
            continue
        kwargs[name] = _coerce(hints[name], value, f"{prefix}{name}", problems)
    try:
        return cls(**kwargs)
    except MedqaError as exc:
        problems.append(str(exc).removeprefix("invalid ").replace("\n  - ", "; "))
        return None
    except TypeError as exc:  # a nested value that failed coercion left a bad type behind
        problems.append(f"{prefix or cls.__name__}: {exc}")
        return None


def _coerce(hint: Any, value: Any, key: str, problems: list[str]) -> Any:
    """Check `value` against the annotation `hint`; convert where the meaning is unambiguous."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        trial: list[str] = []
        for option in options:
            result = _coerce(option, value, key, trial)
            if not trial:
                return result
            trial.clear()
        problems.append(f"'{key}' must be {_describe(hint)}, got {value!r}")
        return value
    if origin is typing.Literal:
        if value not in args:
            problems.append(f"'{key}' must be one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            return value
        if not isinstance(value, Mapping):
            problems.append(f"'{key}' must be a mapping of its own keys, got {value!r}")
            return hint()
        built = _build(hint, value, prefix=f"{key}.", problems=problems)
        return built if built is not None else hint()
    if origin in (list, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            problems.append(f"'{key}' must be a list, got {value!r}")
            return value
        item_hint = args[0] if args else Any
        items = [_coerce(item_hint, v, f"{key}[{i}]", problems) for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if hint is Any:
        return value
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no", "1", "0"}:
            return value.lower() in {"true", "yes", "1"}
        problems.append(f"'{key}' must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        problems.append(f"'{key}' must be a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        problems.append(f"'{key}' must be a number, got {value!r}")
        return value
    if hint is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        problems.append(f"'{key}' must be text, got {value!r}")
        return value
    return value


@dataclasses.dataclass(frozen=True)
class SettingDoc:
    """One setting of a config dataclass, as `--help` lists it."""

    key: str
    """Dotted key, as `--set KEY=VALUE` and YAML recipes spell it."""
    type: str
    default: str
    doc: str


def setting_docs(cls: type, prefix: str = "") -> list[SettingDoc]:
    """Every setting of the dataclass `cls` (nested dataclasses flattened to dotted keys), with its
    type, default and the docstring or comment that documents it in the source: the one place where
    a setting is described, so `--help` can never disagree with the code."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    rows: list[SettingDoc] = []
    for item in dataclasses.fields(cls):
        if not item.init:
            continue
        hint = hints[item.name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            rows.extend(setting_docs(hint, f"{prefix}{item.name}."))
            continue
        if item.default is not dataclasses.MISSING:
            default: Any = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = "(required)"
        shown = default if isinstance(default, str) and default == "(required)" else _yaml_value(default)
        rows.append(SettingDoc(f"{prefix}{item.name}", _type_name(hint), shown, docs.get(item.name, "")))
    return rows


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """The documentation of each field of `cls` in its source: the string right below the field,
    else the comment at the end of its line, else the comment lines right above it."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # no source (a frozen or interactive class): no docs, not an error
        return {}
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    lines = source.splitlines()
    body = typing.cast(ast.ClassDef, ast.parse(source).body[0]).body
    docs: dict[str, str] = {}
    for index, node in enumerate(body):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        after = body[index + 1] if index + 1 < len(body) else None
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
            docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
            continue
        end = node.end_lineno or node.lineno
        if end in comments and not lines[end - 1].lstrip().startswith("#"):
            docs[node.target.id] = comments[end]
            continue
        above: list[str] = []
        line = node.lineno - 1
        while line in comments and lines[line - 1].lstrip().startswith("#"):
            above.insert(0, comments[line])
            line -= 1
        if above:
            docs[node.target.id] = " ".join(above)
    return docs


def _type_name(hint: Any) -> str:
    """A type as a user writes its value: int, float or null, lora|qlora|full, list of text, ..."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Literal:
        return "|".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0]) if args else 'values'}"
    if origin is dict:
        return "mapping"
    names = {str: "text", int: "int", float: "float", bool: "bool"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def _yaml_value(value: Any) -> str:
    """A default as it would be written in a recipe or after --set KEY=."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def _describe(hint: Any) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    names = [getattr(a, "__name__", str(a)) for a in args]
    return " or ".join(names) + (" or null" if type(None) in typing.get_args(hint) else "")
