"""Demo steps of the apps above reviews (the awards continue the past edition's story).

An upper app registers a step from its ``AppConfig.ready``; ``load_demo`` runs every
registered step, in the order registered, after the past edition is built, inside the
same transaction. A step is called with the decided call, the open call and the demo
users; it must be idempotent (do nothing when its data is there already).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoStep = Callable[..., Any]
_STEPS: list[DemoStep] = []


def register_step(step: DemoStep) -> None:
    if step not in _STEPS:
        _STEPS.append(step)


def run_steps(*, past_call: Any, open_call: Any, users: dict[str, Any]) -> None:
    for step in _STEPS:
        step(past_call=past_call, open_call=open_call, users=users)
