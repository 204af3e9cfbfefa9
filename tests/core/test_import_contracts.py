"""The layering in docs/architecture.md holds, and import-linter would catch a break of it.

The contracts live in pyproject.toml. Passing on the real tree proves little on its own, so
the same contracts also run on a copy of the package with bad imports planted in it, and
must refuse each one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

PLANTS = {
    # A lower feature reaching up to a higher one.
    "saas/publishing/planted_upward.py": "import saas.support.models\n",
    # The foundation knowing a feature.
    "saas/core/planted_feature.py": "from saas.audience import models\n",
    # Two features on one layer depending on each other.
    "saas/replies/planted_sibling.py": "from saas.support import pipeline\n",
    # An import circle inside one package.
    "saas/delivery/planted_ping.py": "from saas.delivery import planted_pong\n",
    "saas/delivery/planted_pong.py": "from saas.delivery import planted_ping\n",
    # The app reaching into the worker.
    "saas/site/planted_worker.py": "import worker.jobs\n",
}


def run_contracts(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports on `tree` (its pyproject.toml, its copy of the packages)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_tree(target: Path) -> Path:
    """The packages and the contracts, without caches."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("saas", "worker"):
        shutil.copytree(ROOT / package, target / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.fixture(scope="module")
def lint_imports() -> Path:
    if not LINT_IMPORTS.exists():
        pytest.fail("lint-imports is missing: install the [test] extra (import-linter)")
    return LINT_IMPORTS


def test_the_code_keeps_every_contract(lint_imports: Path, tmp_path: Path) -> None:
    result = run_contracts(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_planted_imports_are_refused(lint_imports: Path, tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    for path, source in PLANTS.items():
        (tree / path).write_text(f'"""Planted by a test."""\n\n{source}')
    result = run_contracts(tree)
    report = result.stdout
    assert result.returncode != 0, report
    assert "saas.publishing.planted_upward -> saas.support.models" in report
    assert "saas.core.planted_feature -> saas.audience" in report
    assert "saas.replies.planted_sibling -> saas.support" in report
    assert "planted_ping" in report and "planted_pong" in report
    assert "saas.site.planted_worker -> worker.jobs" in report
    assert "0 broken" not in report
