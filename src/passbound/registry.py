"""Name -> component registries with lazy factories.

Importing passbound must never import vLLM, torch or transformers, so a registry entry is a
*factory* (any callable) that does the heavy imports only when the component is built.
Components come from three places, tried in order:

1. built-ins registered with the ``@<registry>.register("name")`` decorator, whose modules are
   listed in ``_BUILTIN_MODULES`` and imported on first lookup;
2. third-party packages, through the entry-point group ``passbound.<kind>``
   (``[project.entry-points."passbound.engines"] myengine = "pkg.mod:factory"``);
3. a ``module:object`` path given directly as the name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from passbound.errors import ConfigError

T = TypeVar("T")

# Modules whose import registers the built-in components of each kind.
_BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "benchmarks": ("passbound.benchmarks",),
    "engines": ("passbound.engines",),
    "scorers": ("passbound.metrics.perplexity",),
    "templates": ("passbound.prompts",),
    "verifiers": ("passbound.verify",),
}


def load_object(path: str) -> Any:
    """Import ``module:attr`` (or ``module.attr``) and return the attribute."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"{path!r} is not an import path; write it as 'package.module:object'.")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import module {module_name!r} from {path!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ConfigError(f"module {module_name!r} has no attribute {attr!r} (from {path!r}).") from exc
    return obj


class Registry(Generic[T]):
    """A named set of factories of one kind (engines, benchmarks, templates, verifiers, scorers)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}
        self._descriptions: dict[str, str] = {}
        self._loaded_builtins = False

    def register(self, name: str, description: str = "") -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: register ``factory`` under ``name``."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(name, factory, description or (factory.__doc__ or "").strip().split("\n")[0])
            return factory

        return decorate

    def add(self, name: str, factory: Callable[..., T], description: str = "") -> None:
        self._factories[name] = factory
        self._descriptions[name] = description

    def _load_builtins(self) -> None:
        if self._loaded_builtins:
            return
        self._loaded_builtins = True
        for module in _BUILTIN_MODULES.get(self.kind, ()):
            importlib.import_module(module)
        for ep in entry_points(group=f"passbound.{self.kind}"):
            if ep.name not in self._factories:
                self._factories[ep.name] = _entry_point_factory(ep)
                self._descriptions[ep.name] = f"from {ep.value}"

    def names(self) -> list[str]:
        self._load_builtins()
        return sorted(self._factories)

    def describe(self) -> dict[str, str]:
        self._load_builtins()
        return {name: self._descriptions.get(name, "") for name in sorted(self._factories)}

    def __contains__(self, name: str) -> bool:
        self._load_builtins()
        return name in self._factories or ":" in name

    def factory(self, name: str) -> Callable[..., T]:
        """Return the factory for ``name`` (a registered name or a ``module:object`` path)."""
        self._load_builtins()
        if name in self._factories:
            return self._factories[name]
        if ":" in name:
            return load_object(name)
        raise ConfigError(
            f"unknown {self.kind[:-1]} {name!r}; choose one of: {', '.join(self.names())} "
            f"(or give a 'package.module:object' path). `passbound list` shows them all."
        )

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        return self.factory(name)(*args, **kwargs)


class _EntryPointFactory:
    """An entry point's object, imported when first called; ``load`` gives the object itself (so a
    registry can read its signature, e.g. the benchmarks' loader calling convention)."""

    def __init__(self, entry_point: Any) -> None:
        self.entry_point = entry_point

    def load(self) -> Any:
        return self.entry_point.load()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.load()(*args, **kwargs)


def _entry_point_factory(ep: Any) -> Callable[..., Any]:
    return _EntryPointFactory(ep)


def require(module: str, extra: str, purpose: str = "") -> Any:
    """Import an optional dependency or raise an error that prints the install command."""
    from passbound.errors import MissingDependencyError

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(module.split(".")[0], extra=extra, purpose=purpose) from exc


def names_of(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


benchmarks: Registry[Any] = Registry("benchmarks")
engines: Registry[Any] = Registry("engines")
templates: Registry[Any] = Registry("templates")
verifiers: Registry[Any] = Registry("verifiers")
# Perplexity scorers, named like the engines they score with (``passbound ppl --engine``).
scorers: Registry[Any] = Registry("scorers")
