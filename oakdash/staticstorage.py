"""Static files: compressed, with content-hashed names (whitenoise), vendored bundles untouched."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Skip rewriting ``sourceMappingURL`` comments in JavaScript.

    The vendored rrweb-player bundle embeds a web worker whose own ``sourceMappingURL`` names a map
    that the package does not ship; rewriting would fail collectstatic. Vendored files stay
    byte-for-byte as published, and CSS ``url()`` references are still rewritten to hashed names.
    """

    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        """The hashed URL, worked out once per name: every page asks for the same few, and the
        manifest is read once per process anyway (a new one needs a restart, cached or not)."""
        if settings.DEBUG or force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            found = self._urls[name] = super().url(name)
            return found
