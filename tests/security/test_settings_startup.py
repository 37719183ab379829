"""Unsafe settings stop the process at start-up, naming the variable; the database file is private.

Each case runs `django.setup()` in a fresh interpreter with only the given environment.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k9!Qz-" * 10
SETUP = "import django; django.setup()"


def start(code: str = SETUP, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OAKDASH_", "DATABASE"))
    }
    environment.update({"DJANGO_SETTINGS_MODULE": "oakdash.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def env_example_secret() -> str:
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("DJANGO_SECRET_KEY="):
            return line.split("=", 1)[1]
    raise AssertionError(".env.example has no DJANGO_SECRET_KEY")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": "oakdash.example.com,localhost"},
            "DJANGO_ALLOWED_HOSTS may then list only 127.0.0.1, ::1 or localhost "
            "(it lists oakdash.example.com)",
        ),
        ({"DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": "*"}, "(it lists *)"),
        ({"DJANGO_SECRET_KEY": "Sh0rt-but-random-9f2c"}, "DJANGO_SECRET_KEY is too short (21"),
        ({"DJANGO_SECRET_KEY": "ab" * 40}, "DJANGO_SECRET_KEY has fewer than 5 different"),
        (
            {"DJANGO_SECRET_KEY": "django-insecure-" + GOOD_KEY},
            "DJANGO_SECRET_KEY is a development key",
        ),
        ({"DJANGO_SECRET_KEY": env_example_secret()}, "DJANGO_SECRET_KEY is a placeholder"),
        (
            {"DJANGO_SECRET_KEY": env_example_secret() + "-" + GOOD_KEY},
            "DJANGO_SECRET_KEY is a placeholder",
        ),
        ({}, "DJANGO_SECRET_KEY must be set"),
    ],
)
def test_unsafe_settings_stop_the_process_naming_the_variable(env, message):
    result = start(**env)
    assert result.returncode == 1
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    secret = env.get("DJANGO_SECRET_KEY")
    if secret:  # the refused value itself is never printed
        assert secret not in result.stderr


def test_debug_on_loopback_runs_with_a_random_key_per_process_and_says_so():
    show = SETUP + "; from django.conf import settings; print(settings.SECRET_KEY)"
    runs = [
        start(show, DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="127.0.0.1,::1,localhost")
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr
    keys = [run.stdout.strip() for run in runs]
    assert keys[0] != keys[1]
    assert all(len(key) >= 50 and not key.startswith("django-insecure") for key in keys)
    assert "random secret key" in runs[0].stderr
    assert "unreadable, when it restarts" in runs[0].stderr


def test_the_sqlite_database_and_its_new_folder_are_private(tmp_path):
    folder = tmp_path / "var" / "data"
    database = folder / "oakdash.sqlite3"
    migrate = start(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert migrate.returncode == 0, migrate.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600

    database.chmod(0o644)  # a file made before this rule is tightened on the next connection
    connect = start(
        SETUP + "; from django.db import connection; connection.ensure_connection()",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert connect.returncode == 0, connect.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
