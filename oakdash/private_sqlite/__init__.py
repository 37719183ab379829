"""Django's SQLite backend, with the database file private to the server's user (0600/0700)."""
