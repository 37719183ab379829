"""The OakData read API client. No Django here: see docs/ARCHITECTURE.md for the interface.

api = OakDataAPI(base_url)            # one per process: owns the pooled httpx.Client
client = api.for_key(secret_key)      # one per request: holds the user's key
client.overview(range="7d")           # -> models.Overview, or an errors.OakDataError
"""

from __future__ import annotations

from . import errors, models, params
from .client import OakDataAPI, OakDataClient
from .errors import (
    BadRequest,
    InvalidKey,
    InvalidParameter,
    NotFound,
    OakDataError,
    PublicKey,
    Unavailable,
)
from .keys import mask_key

__all__ = [
    "BadRequest",
    "InvalidKey",
    "InvalidParameter",
    "NotFound",
    "OakDataAPI",
    "OakDataClient",
    "OakDataError",
    "PublicKey",
    "Unavailable",
    "errors",
    "mask_key",
    "models",
    "params",
]
