"""SQLite as Django ships it, except that the file holding everyone's encrypted keys and
sessions is created 0600 (its folder 0700 when we create it) instead of following the umask.

SQLite gives its -journal/-wal/-shm files the database file's permissions, so they follow.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from django.db.backends.sqlite3 import base


def make_private(name: str | os.PathLike) -> None:
    """Create the database file 0600 (and a missing folder 0700); tighten an older file."""
    text = str(name)
    if text == ":memory:" or text.startswith("file:"):  # in-memory or URI: nothing on disk
        return
    path = Path(text)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours to change: leave it as it is
            path.chmod(0o600)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        make_private(conn_params["database"])
        return super().get_new_connection(conn_params)
