"""Probes for load balancers and process managers: no login, no upstream call, ever.

`/healthz` says the process is alive and serving: it touches nothing else, so an outage of the
database, the cache or OakData never makes a load balancer drop a healthy worker (and a slow API
never makes the probe slow). `/readyz` says this instance can serve pages: the database and the
cache answer. It names which one failed, never how (no host names or error text leave the server).
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("readyz: the database did not answer")
        return False


def _cache_answers() -> bool:
    token = secrets.token_hex(8)
    try:
        cache.set("oakdash:readyz", token, 10)
        return cache.get("oakdash:readyz") == token
    except Exception:
        logger.exception("readyz: the cache did not answer")
        return False


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    failed = [name for name, ok in checks.items() if not ok]
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed, **body}, status=503)
    return JsonResponse({"status": "ok", **body})
