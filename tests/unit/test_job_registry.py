"""Every job kind the API can create is registered once and has a handler for its typed parameters."""

import ast
import dataclasses
import inspect
import typing
from pathlib import Path

import pytest

import songforge
from songforge.config import Settings
from songforge.core import jobs
from songforge.core.jobs import JOB_KINDS, JobKind, Queue
from songforge.worker.jobs import handler_for

PACKAGE_ROOT = Path(songforge.__file__).parent


def kinds_the_api_creates() -> set[str]:
    """Names of the `jobs.<KIND>` constants the API routes use, directly or through core (act routes)."""
    used: set[str] = set()
    for path in [*(PACKAGE_ROOT / "api").rglob("*.py"), *(PACKAGE_ROOT / "core").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "jobs":
                constant = getattr(jobs, node.attr, None)
                if isinstance(constant, JobKind):
                    used.add(constant.name)
    return used


def test_the_api_creates_only_registered_kinds_and_creates_every_kind() -> None:
    created = kinds_the_api_creates()
    assert created, "the API creates no job kinds?"
    assert created <= set(JOB_KINDS), f"unregistered: {created - set(JOB_KINDS)}"
    assert created == set(JOB_KINDS), f"registered but never created by the API: {set(JOB_KINDS) - created}"


@pytest.mark.parametrize("name", sorted(JOB_KINDS))
def test_each_kind_has_a_handler_taking_its_parameters(name: str) -> None:
    kind = JOB_KINDS[name]
    handler = handler_for(name)
    hints = typing.get_type_hints(handler)
    parameters = list(inspect.signature(handler).parameters)
    assert len(parameters) == 2, f"{name}: run(context, params) expected, got {parameters}"
    assert hints[parameters[1]] is kind.params, f"{name}: the handler takes {hints[parameters[1]]}, not {kind.params}"


@pytest.mark.parametrize("name", sorted(JOB_KINDS))
def test_each_kind_has_a_price_setting_and_a_queue(name: str) -> None:
    kind = JOB_KINDS[name]
    assert kind.price_micros(Settings()) >= 0
    assert kind.queue in (Queue.CPU, Queue.GPU)
    assert dataclasses.is_dataclass(kind.params)


def test_stored_parameters_round_trip_and_ignore_keys_of_older_rows() -> None:
    params = jobs.StemParams(source_clip_id="c", stem_set="two")
    stored = {**jobs.params_as_stored(params), "removed_long_ago": 1}
    assert jobs.GEN_STEM_TWO.params_from_stored(stored) == params


def test_an_unknown_kind_has_no_handler() -> None:
    with pytest.raises(KeyError):
        handler_for("no_such_kind")
