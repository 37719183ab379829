"""Static files: compressed, with content-hashed names (whitenoise), vendored bundles untouched."""

from __future__ import annotations

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
