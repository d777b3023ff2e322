"""Prompt templates by name: ``get_template("qwen-boxed").render(problem)``.

Built-ins register in ``passbound.registry.templates``; a plug-in registers a factory returning
an object with ``name``, ``stop`` and ``render(problem)``, or a study names one directly as
``package.module:object`` (a template instance, or a class/factory that builds one).
"""

from __future__ import annotations

from typing import Any

from passbound.errors import ConfigError
from passbound.registry import templates as _registry

from .code import CODE_TEMPLATES, CodeChatTemplate, CodeCompletionTemplate
from .templates import (
    BOXED_INSTRUCTION,
    BUILTIN_TEMPLATES,
    FEW_SHOT_EXAMPLES,
    ChatTemplate,
    PromptInput,
    Template,
    TextTemplate,
)

__all__ = [
    "BOXED_INSTRUCTION",
    "FEW_SHOT_EXAMPLES",
    "ChatTemplate",
    "CodeChatTemplate",
    "CodeCompletionTemplate",
    "PromptInput",
    "Template",
    "TextTemplate",
    "get_template",
]


def _constant(template: Any) -> Any:
    def factory() -> Any:
        return template

    return factory


for _t in (*BUILTIN_TEMPLATES, *CODE_TEMPLATES):
    _registry.add(_t.name, _constant(_t), _t.description)


def get_template(name: str) -> Template:
    """The template registered as ``name`` (or at ``module:object``); ConfigError lists the names."""
    obj = _registry.factory(name)
    if isinstance(obj, type) or not isinstance(obj, Template):
        obj = obj() if callable(obj) else obj
    if not isinstance(obj, Template):
        raise ConfigError(
            f"template {name!r} is not a prompt template (it needs name, stop and render(problem)); "
            f"built-in templates: {', '.join(_registry.names())}."
        )
    return obj
