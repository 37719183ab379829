"""Settings come from the environment, fail loudly when malformed, and are all documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from oakdash import env

ROOT = Path(__file__).resolve().parents[2]
READERS = re.compile(
    r"""(?:env_(?:str|bool|int|float|list)|os\.environ\.get|os\.getenv)\(\s*["']([A-Z0-9_]+)["']"""
)


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "oakdash").rglob("*.py"):
        names.update(READERS.findall(path.read_text()))
    names.discard("DJANGO_SETTINGS_MODULE")
    return names


def _variables_in_env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


def test_env_example_lists_every_variable_the_code_reads():
    read = _variables_read_by_the_code()
    assert read, "the scan found no variables: the pattern is broken"
    assert read <= _variables_in_env_example(), read - _variables_in_env_example()


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env.env_bool("OAKDASH_T"), "ture"),
        (lambda: env.env_int("OAKDASH_T", 1), "ten"),
        (lambda: env.env_int("OAKDASH_T", 1, minimum=1), "0"),
        (lambda: env.env_float("OAKDASH_T", 1.0), "nan"),
        (lambda: env.env_float("OAKDASH_T", 1.0), "-3"),
    ],
)
def test_malformed_values_fail_loudly_naming_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("OAKDASH_T", value)
    with pytest.raises(ImproperlyConfigured, match="OAKDASH_T"):
        reader()


def _manage(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OAKDASH_"))}
    environment.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.backend_neutral
def test_check_deploy_is_clean_with_production_like_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k" * 20 + "x9!Qz" * 10,
        DJANGO_ALLOWED_HOSTS="oakdash.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        OAKDATA_API_URL="https://oakdata.co/api/v1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_process_refuses_to_start_without_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_typo_in_debug_stops_the_process():
    result = _manage("check", DJANGO_DEBUG="ture", DJANGO_SECRET_KEY="x9!Qz" * 12)
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


@pytest.mark.backend_neutral
def test_collectstatic_hashes_and_compresses_every_file(tmp_path):
    result = _manage(
        "collectstatic",
        "--noinput",
        "-v0",
        DJANGO_SECRET_KEY="x9!Qz" * 12,
        DJANGO_STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/htmx-2.0.11/htmx.min.js" in manifest
    assert list(tmp_path.glob("css/app.*.css.gz"))
