"""Every stub of ``make mutants`` (tests/mutants/*.toml) still applies: its text occurs in
its file as often as it says, and the tests it names exist. A stub that no longer applies
would leave its feature unguarded without anyone noticing until ``make mutants`` runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _mutants():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mutants", REPO / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutants"] = module
    spec.loader.exec_module(module)
    return module


STUBS = _mutants().load_stubs()


def test_there_are_stubs() -> None:
    assert len(STUBS) >= 150


@pytest.mark.parametrize("stub", STUBS, ids=lambda s: s.name)
def test_stub_applies(stub) -> None:  # type: ignore[no-untyped-def]
    path = REPO / stub.file
    assert path.is_file(), stub.file
    assert path.read_text(encoding="utf-8").count(stub.find) == stub.count, stub.name
    for test in stub.tests:
        file, _, name = test.partition("::")
        assert (REPO / file).is_file(), test
        if name:
            function = name.split("[")[0]
            assert f"def {function}(" in (REPO / file).read_text(encoding="utf-8"), test
