"""The plain source of a reply with every value marked: for renderers of their own.

A template's mrkdwn markers (``*bold*``, ``_italic_``, `` `code` ``, ``:emoji:``) are its
own text; what the user typed (an entity named ``A_B`` or ``*x*``) only ever arrives as a
value. Here every string of the data is a :class:`Literal`, which the environment
(autoescaping) writes between :data:`OPEN` and :data:`CLOSE`, whatever path it took to
the output: printed, joined, concatenated with ``~``, upper-cased or cut. Constants of the
templates stay unmarked (HTML-escaped when mixed with values by ``~`` or ``join``), so a
renderer styles the markers of the template and shows the values as typed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.environment import TemplateModule
from markupsafe import Markup

from messages.environments import shared_options

OPEN = "\ue000"
CLOSE = "\ue001"
"""Private-use characters around a value (removed from the values themselves)."""


class Literal(str):
    """A string of the data: written between the marks, never read as markup."""

    __slots__ = ()

    def __html__(self) -> Markup:
        return Markup(OPEN + self.replace(OPEN, "").replace(CLOSE, "") + CLOSE)


def wrap(value: Any) -> Any:
    """``value`` with its strings as :class:`Literal`, through plain containers; other
    objects are wrapped attribute by attribute as the template reads them. An enum member
    stays itself (a code the template names, not text the user typed)."""
    kind = type(value)
    if kind is str:  # not its subclasses: Markup, Literal, the enums of the services
        return Literal(value)
    if kind is list or kind is tuple:
        return kind(wrap(item) for item in value)
    if kind is dict:
        return {wrap(key): wrap(item) for key, item in value.items()}
    if kind is set or kind is frozenset:
        return kind(wrap(item) for item in value)
    return value


def _plain_container(value: Any) -> bool:
    """Containers are wrapped when they enter (data) or never (constants of a template)."""
    return type(value) in (dict, list, tuple, set, frozenset) or isinstance(value, TemplateModule)


class _MarkingEnvironment(Environment):
    """Reads attributes and items of data objects as :class:`Literal` strings."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        found = super().getattr(obj, attribute)
        return found if _plain_container(obj) else wrap(found)

    def getitem(self, obj: Any, argument: Any) -> Any:
        found = super().getitem(obj, argument)
        return found if _plain_container(obj) else wrap(found)


def _keeping(function: Callable[..., Any]) -> Callable[..., Any]:
    """A string filter whose result stays a value when its input was one."""

    @functools.wraps(function)
    def kept(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if (isinstance(result, str) and not isinstance(result, Markup | Literal)
                and any(isinstance(arg, Literal) for arg in args)):
            return Literal(result)
        return result

    return kept


_STRING_FILTERS = ("truncate", "upper", "lower", "capitalize", "title", "trim", "replace",
                   "center", "wordwrap")


def environment(
    templates: Path,
    mention_of: Callable[[str], str],
    when: Callable[[datetime | None], str],
    button: Callable[..., Markup],
) -> Environment:
    """The marking environment over the same templates as :class:`messages.render.Messages`."""
    env = _MarkingEnvironment(
        autoescape=True,
        finalize=lambda value: "" if value is None else value,
        **shared_options("console", templates),
    )

    def mention(user: str) -> Markup:
        """A Slack id stays Slack's mention (the renderer shows ``@id``); a name, or a
        person the reply names, is a value."""
        shown = mention_of(user)
        return Markup(shown) if shown == f"<@{user}>" else Literal(shown).__html__()

    def mentions(users: Iterable[str]) -> Markup:
        return Markup(", ").join([mention(user) for user in users])

    for name in _STRING_FILTERS:
        env.filters[name] = _keeping(env.filters[name])
    env.globals["button"] = button
    env.filters["mention"] = mention
    env.filters["mentions"] = mentions
    env.filters["when"] = when
    return env


def data(values: Mapping[str, Any]) -> dict[str, Any]:
    """A reply's data ready for the marking environment."""
    return {key: wrap(value) for key, value in values.items()}
