"""gunicorn settings for oakdash: `gunicorn -c deploy/gunicorn.conf.py oakdash.wsgi`.

Every value can be changed through an environment variable (GUNICORN_*), so the file itself stays
as shipped. The defaults suit a small team on one 2-core host behind nginx (deploy/nginx/).
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Only nginx on the same host talks to gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threads, not processes, for concurrency: a replay stream holds a thread for as long as it plays,
# and most of a page's time is spent waiting for OakData, which releases the GIL. Workers:
# about one per core (each holds its own pool of upstream connections and ~80 MB).
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 16)

# Recycle a worker after this many requests (memory fragmentation from large replays), at
# different moments per worker (jitter), so they never all restart at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# A worker silent for this long is killed and replaced (a gthread worker's main loop keeps
# beating while its threads serve long streams, so this does not cut replays short).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On stop, reload (HUP) or recycle, a worker gets this long to finish the requests it has.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive connections from nginx are kept this long; nginx's upstream keepalive_timeout
# (deploy/nginx/oakdash.conf) is shorter, so nginx never reuses a connection gunicorn just closed.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# The heartbeat file on tmpfs: a slow disk must not make a healthy worker look dead.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - tmpfs by design, gunicorn's documented advice

# gunicorn's control socket (`gunicornc`: worker status, graceful reload) only where asked for:
# its default, $HOME/.gunicorn/, is shared by every gunicorn of a user and outside the paths the
# systemd unit lets the service write. The unit sets /run/oakdash/gunicorn.ctl.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# X-Forwarded-* headers are trusted from nginx on this host only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout (journald): client address (as nginx saw it), time, method, path without
# the query string (a query may carry what should not sit in logs), status, bytes, milliseconds.
# No Referer either: it holds other pages' full URLs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
