"""Pages rendered once for everyone, with holes for what differs per reader.

A public page is rendered by Jinja once per content version, for no one in particular. Where
it would show something personal, the template asks the `holes` object instead:

    {{ holes.value("csrf") }}                      a string (the reader's CSRF token)
    {{ holes.partial("subscribe", box="main") }}  a small piece rendered for the reader
    {% call holes.when("full-access") %}...{% endcall %}     kept only if the flag holds
    {% call holes.unless("full-access") %}...{% endcall %}
    {% call holes.owner(reply.subscriber_id) %}...{% endcall %}   only for that reader
    {% call holes.until(epoch) %}...{% endcall %}            only until then

Rendered with `MarkerHoles`, each becomes an HTML comment carrying a tag derived from the
secret key (user content cannot make one: templates escape text and every HTML they mark
safe is sanitised with comments stripped). `parse` turns such a page into a small tree that
is stored; `assemble` fills it for one request from a `Fill`, in microseconds, with no
template and no database. Rendered with `DirectHoles`, the same template answers for the
current request at once, so both ways give the same HTML.

A `Fill` gets its answers from resolvers that features register by name (`resolver`): who is
asking ("who" resolvers: the signed-in reader, a member of the publication), flags, values and
partials. It says whether the request is personal at all (someone is signed in, a message is
flashed): an impersonal request gets the page assembled for nobody, stored with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from markupsafe import Markup

Node = Any  # str, or a list: ["value", name] | ["partial", name, kwargs] | [kind, arg, [nodes]]

_who: dict[str, Callable[[Fill], Any]] = {}
_flags: dict[str, Callable[[Fill], bool]] = {}
_values: dict[str, Callable[[Fill], str]] = {}
_partials: dict[str, Callable[[Fill, dict], str]] = {}
_personal: list[Callable[[Fill], bool]] = []
_BLOCKS = ("when", "unless", "owner", "until")
# What `until` blocks compare with (seconds since the epoch); tests move it.
clock = time.time


def resolver(kind: str, name: str = "") -> Callable:
    """Register the function answering a "who", "flag", "value" or "partial" named `name`.

    With kind "personal" it registers a check (no name) that the request carries something
    of someone's besides who they are (a flashed message, say).
    """
    registry = {"who": _who, "flag": _flags, "value": _values, "partial": _partials}

    def register(function: Callable) -> Callable:
        if kind == "personal":
            _personal.append(function)
        else:
            registry[kind][name] = function
        return function

    return register


class Fill:
    """One request's answers to a page's holes, each worked out once.

    `page` holds what was stored with the page about it (an issue's id and audience, say);
    `context` what the request's own code knows (the publication).
    """

    anonymous = False

    def __init__(self, page: dict | None = None, now: float | None = None, **context: Any):
        self.page = page or {}
        self.context = context
        self.now = clock() if now is None else now
        self._answers: dict[tuple, Any] = {}

    def _memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._answers:
            self._answers[key] = compute()
        return self._answers[key]

    def who(self, name: str) -> Any:
        """Who is asking, as the "who" resolver `name` tells (None for nobody)."""
        if self.anonymous or name not in _who:
            return None
        return self._memo(("who", name), lambda: _who[name](self))

    def flag(self, name: str) -> bool:
        return self._memo(("flag", name), lambda: bool(_flags[name](self)))

    def value(self, name: str) -> str:
        return self._memo(("value", name), lambda: str(_values[name](self)))

    def partial(self, name: str, kwargs: dict) -> str:
        key = ("partial", name, json.dumps(kwargs, sort_keys=True))
        return self._memo(key, lambda: str(_partials[name](self, kwargs)))

    @property
    def reader_id(self) -> int | None:
        """The signed-in, active reader's subscriber id (a "who" resolver named "reader")."""
        reader = self.who("reader")
        if reader is None or not getattr(reader, "active", True):
            return None
        return getattr(reader, "subscriber_id", None)

    @property
    def personal(self) -> bool:
        """Whether anything in this request is someone's own."""
        if self.anonymous:
            return False
        return self._memo(
            ("personal",),
            lambda: any(self.who(name) for name in _who) or any(c(self) for c in _personal),
        )

    def keeps(self, kind: str, arg: Any) -> bool:
        """Whether a block of this kind keeps its content for this request."""
        if kind == "when":
            return self.flag(arg)
        if kind == "unless":
            return not self.flag(arg)
        if kind == "owner":
            return arg is not None and self.reader_id == arg
        return self.now < arg  # until


class Anonymous(Fill):
    """The answers for nobody in particular: what an impersonal request gets."""

    anonymous = True


# --- rendering ------------------------------------------------------------------------------


def tag() -> str:
    """The marker tag of this app (derived from its secret key)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return "tend-" + hmac.new(secret, b"page holes", hashlib.sha256).hexdigest()[:12]


class DirectHoles:
    """Holes answered at once for the current request (pages that are not stored)."""

    def __init__(self, fill: Fill) -> None:
        self.fill = fill

    def value(self, name: str) -> Markup:
        return Markup.escape(self.fill.value(name))

    def partial(self, name: str, **kwargs: Any) -> Markup:
        return Markup(self.fill.partial(name, kwargs))  # noqa: S704  (a rendered template)

    def _block(self, kind: str, arg: Any, caller: Callable[[], str]) -> Markup:
        kept = self.fill.keeps(kind, arg)
        return Markup(caller()) if kept else Markup("")  # noqa: S704  (the template's own output)

    def when(self, flag: str, caller: Callable[[], str]) -> Markup:
        return self._block("when", flag, caller)

    def unless(self, flag: str, caller: Callable[[], str]) -> Markup:
        return self._block("unless", flag, caller)

    def owner(self, subscriber_id: int | None, caller: Callable[[], str]) -> Markup:
        return self._block("owner", subscriber_id, caller)

    def until(self, epoch: float, caller: Callable[[], str]) -> Markup:
        return self._block("until", int(epoch), caller)


def _encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


class MarkerHoles:
    """Holes left as markers, for a page stored once and filled per request."""

    def __init__(self) -> None:
        self.tag = tag()

    def _marker(self, kind: str, payload: Any = None) -> str:
        body = "" if payload is None else ":" + _encode(payload)
        return f"<!--{self.tag}:{kind}{body}-->"

    def value(self, name: str) -> Markup:
        return Markup(self._marker("value", name))  # noqa: S704  (payload is base64)

    def partial(self, name: str, **kwargs: Any) -> Markup:
        return Markup(self._marker("partial", [name, kwargs]))  # noqa: S704  (base64)

    def _block(self, kind: str, arg: Any, caller: Callable[[], str]) -> Markup:
        # The markers' payloads are base64; the caller's content is the template's output.
        html = self._marker(kind, arg) + str(caller()) + self._marker("end")
        return Markup(html)  # noqa: S704

    def when(self, flag: str, caller: Callable[[], str]) -> Markup:
        return self._block("when", flag, caller)

    def unless(self, flag: str, caller: Callable[[], str]) -> Markup:
        return self._block("unless", flag, caller)

    def owner(self, subscriber_id: int | None, caller: Callable[[], str]) -> Markup:
        return self._block("owner", subscriber_id, caller)

    def until(self, epoch: float, caller: Callable[[], str]) -> Markup:
        return self._block("until", int(epoch), caller)


def parse(html: str, marker_tag: str) -> list[Node]:
    """The tree of a page rendered with MarkerHoles."""
    pattern = re.compile(r"<!--" + re.escape(marker_tag) + r":(\w+)(?::([A-Za-z0-9_=-]*))?-->")
    root: list[Node] = []
    stack = [root]
    position = 0
    for match in pattern.finditer(html):
        if match.start() > position:
            stack[-1].append(html[position : match.start()])
        position = match.end()
        kind = match.group(1)
        payload = json.loads(base64.urlsafe_b64decode(match.group(2))) if match.group(2) else None
        if kind == "end":
            stack.pop()
        elif kind == "value":
            stack[-1].append(["value", payload])
        elif kind == "partial":
            stack[-1].append(["partial", payload[0], payload[1]])
        elif kind in _BLOCKS:
            children: list[Node] = []
            stack[-1].append([kind, payload, children])
            stack.append(children)
        else:
            raise ValueError(f"unknown page hole {kind!r}")
    if len(stack) != 1:
        raise ValueError("unbalanced page holes")
    if position < len(html):
        root.append(html[position:])
    return root


def assemble(nodes: list[Node], fill: Fill) -> str:
    """The page for one request: every hole answered by `fill`."""
    out: list[str] = []

    def walk(items: list[Node]) -> None:
        for node in items:
            if isinstance(node, str):
                out.append(node)
            elif node[0] == "value":
                out.append(str(Markup.escape(fill.value(node[1]))))
            elif node[0] == "partial":
                out.append(fill.partial(node[1], node[2]))
            elif fill.keeps(node[0], node[1]):
                walk(node[2])

    walk(nodes)
    return "".join(out)
