"""Periodic work, registered by each feature, that `flask serve` runs in the embedded default.

In production the same functions run as self-rescheduling RQ jobs (or cron running their
`flask` commands); in the embedded default there is no scheduler, so the development server
runs a thread that calls each registered task when it is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

_KEY = "tend.periodic"
DAILY = 86_400.0


@dataclass(frozen=True)
class PeriodicTask:
    """A named piece of periodic work; `every` seconds apart (0: on every tick)."""

    name: str
    run: Callable[[], object]
    every: float = 0.0


def register(app: Flask, name: str, run: Callable[[], object], every: float = 0.0) -> None:
    """Add a task (once per name: re-registering replaces it)."""
    registered = app.extensions.setdefault(_KEY, {})
    registered[name] = PeriodicTask(name, run, every)


def tasks(app: Flask) -> list[PeriodicTask]:
    """The registered tasks, in the order the features registered them."""
    return list(app.extensions.get(_KEY, {}).values())
