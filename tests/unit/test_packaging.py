"""setup.cfg names every folder Python could import from checkout_app/ (no setuptools
"Package would be ignored" warnings) and keeps the test tools out of what `make run` installs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools.config.setupcfg import read_configuration

ROOT = Path(__file__).resolve().parents[2]


def importable_folders() -> set[str]:
    package = ROOT / "checkout_app"
    return {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in [package, *package.rglob("*")]
        if folder.is_dir() and "__pycache__" not in folder.parts and any(folder.iterdir())
    }


def test_every_importable_folder_is_a_configured_package():
    configured = set(read_configuration(ROOT / "setup.cfg")["options"]["packages"])
    assert importable_folders() - configured == set()
    assert not any("__pycache__" in name for name in configured)


def make_dry_run(target: str) -> str:
    """The commands `make -B -n target` would run from a fresh clone."""
    done = subprocess.run(
        ["make", "-B", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_make_run_installs_the_runtime_only():
    installs = [line for line in make_dry_run("run").splitlines() if "pip install" in line]
    assert any(line.endswith("pip install --quiet -e .") for line in installs), installs
    assert not any("[dev" in line for line in installs), installs


def test_make_test_adds_the_dev_extra():
    installs = [line for line in make_dry_run("test").splitlines() if "pip install" in line]
    assert any("-e '.[dev]'" in line for line in installs), installs


def test_the_runtime_reads_redis_replies_with_hiredis():
    """Every checkout makes three EVALSHA round trips; redis-py parses their replies in C when
    hiredis is installed (40-115 µs of client CPU less per command, BENCHMARKS.md stop 26)."""
    requires = read_configuration(ROOT / "setup.cfg")["options"]["install_requires"]
    assert any(line.replace(" ", "").startswith("hiredis>=") for line in requires), requires

    from redis._parsers import _HiredisParser

    from checkout_app.adapters.redis_client import redis_client

    client = redis_client("redis://127.0.0.1:1/0")
    assert isinstance(client.connection_pool.make_connection()._parser, _HiredisParser)
