"""The README's first steps are true: the port variable the demo script reads, the login URL."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_names_the_port_variable_the_demo_script_reads():
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "scripts" / "demo").read_text()
    assert "PORT=8011 ./scripts/demo" in readme
    assert re.search(r"^PORT=\$\{PORT:-8000\}$", script, re.M)
    assert '--bind "127.0.0.1:${PORT}"' in script


def test_the_readme_gives_the_login_page_s_url():
    readme = (ROOT / "README.md").read_text()
    assert reverse("login") == "/accounts/login/"
    assert "http://127.0.0.1:8000/accounts/login/" in readme
