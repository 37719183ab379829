"""oakdash as deployed: nginx with TLS in front of gunicorn, both run from the files in deploy/.

nginx runs deploy/nginx/oakdash.conf itself (only its ports, certificate and paths replaced) with
a self-signed certificate on loopback ports; gunicorn runs deploy/gunicorn.conf.py with
DJANGO_BEHIND_PROXY=1 and DJANGO_SECURE=1 against the demo API over HTTP.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.replay_build import build_replay
from oakdash.demo.projects import ACME_SECRET_KEY
from tests import services
from tests.support.processes import (
    ROOT,
    ProjectClient,
    User,
    children,
    dashboard_env,
    prepare_database,
    scripted_upstream,
    start_gunicorn,
    stop_process,
)

pytestmark = pytest.mark.deployment

HOST = "oakdash.example.com"
DEPLOY = ROOT / "deploy"
SLOW_CLIENTS = 50


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST and 127.0.0.1 (its own CA for the client)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_conf(
    app_port: int, http_port: int, https_port: int, cert: Path, key: Path, root: Path
) -> str:
    """deploy/nginx/oakdash.conf with this test's ports and paths (each replaced exactly once)."""
    text = (DEPLOY / "nginx" / "oakdash.conf").read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/ssl/oakdash/fullchain.pem": str(cert),
        "/etc/ssl/oakdash/privkey.pem": str(key),
        "root /srv/oakdash;": f"root {root};",
    }.items():
        assert text.count(old) == 1, f"deploy/nginx/oakdash.conf changed: {old!r} (update here)"
        text = text.replace(old, new)
    return text


def main_conf(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with paths in `prefix`."""
    user = "user www-data;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {prefix / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{user}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    server_tokens off;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
    {temp}
    include {site};
}}
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, postgres, redis):
    """nginx (TLS) → gunicorn (deploy/gunicorn.conf.py) → demo API with one large replay."""
    services.nginx_binary()  # a missing nginx fails here, never skips
    # nginx's workers (www-data) must read the static files: a folder outside pytest's 0700 one.
    folder = Path(tempfile.mkdtemp(prefix="oakdash-nginx-"))
    folder.chmod(0o755)
    (folder / "tmp").mkdir()
    large = build_replay(target_bytes=50_000_000, chunks=40, compresslevel=1)
    try:
        with scripted_upstream() as upstream:
            replay_id = upstream.app.add_replay("acme", None, large.chunks)
            api = upstream.url + "/api/v1"
            user = User("alice", ACME_SECRET_KEY)
            env = dashboard_env(
                tmp_path_factory.mktemp("app"),
                api,
                DJANGO_SECURE="1",
                DJANGO_BEHIND_PROXY="1",
                DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
                DJANGO_STATIC_ROOT=str(folder / "static"),
                DATABASE_URL=postgres.create_database(),
                CACHE_URL=redis.fresh_url(),
                OAKDASH_REPLAY_CHUNK_NETWORKS="127.0.0.1/32",  # the demo's storage is on loopback
            )
            prepare_database(env, [user])
            for path in (folder / "static").rglob("*"):
                path.chmod(0o755 if path.is_dir() else 0o644)
            (folder / "static").chmod(0o755)
            app_port, http_port, https_port = (services.free_port() for _ in range(3))
            process, _ = start_gunicorn(
                env,
                folder / "gunicorn.log",
                port=app_port,
                workers=1,
                threads=4,  # few threads: slow clients would exhaust them if they got through
                config=DEPLOY / "gunicorn.conf.py",
            )
            try:
                cert, key = _certificate(folder)
                site = folder / "oakdash.conf"
                site.write_text(site_conf(app_port, http_port, https_port, cert, key, folder))
                with services.nginx(main_conf(folder, site), folder, https_port):
                    yield {
                        "https": f"https://127.0.0.1:{https_port}",
                        "http": f"http://127.0.0.1:{http_port}",
                        "https_port": https_port,
                        "cert": cert,
                        "user": user,
                        "replay_id": replay_id,
                        "replay_bytes": large.ndjson_bytes,
                        "gunicorn": process,
                        "app_log": folder / "gunicorn.log",
                    }
            finally:
                stop_process(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _client(deployed) -> ProjectClient:
    tls = ssl.create_default_context(cafile=str(deployed["cert"]))
    return ProjectClient(base_url=deployed["https"], verify=tls, headers={"Host": HOST}, timeout=30)


def _logged_in(deployed) -> ProjectClient:
    client = _client(deployed)
    form = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = client.post(
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token,
            "username": "alice",
            "password": deployed["user"].password,
        },
        headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/accounts/login/"},
    )
    assert answer.status_code == 302, answer.text[:500]
    client.enter_current_project()
    return client


def test_login_over_tls_sets_secure_cookies_and_pages_stay_https(deployed):
    with httpx.Client(base_url=deployed["http"], headers={"Host": HOST}) as plain:
        moved = plain.get("/sessions/?range=7d")
        assert moved.status_code == 301
        assert moved.headers["location"] == f"https://{HOST}/sessions/?range=7d"

    client = _client(deployed)
    # Django sees https through X-Forwarded-Proto: a login redirect, not an https redirect loop.
    anonymous = client.get("/sessions/")
    assert anonymous.status_code == 302
    assert anonymous.headers["location"] == "/accounts/login/?next=/sessions/"
    client.close()

    client = _logged_in(deployed)
    cookies = client.cookies.jar
    session = next(c for c in cookies if c.name == "sessionid")
    csrf = next(c for c in cookies if c.name == "csrftoken")
    assert session.secure and csrf.secure
    assert "httponly" in {k.lower() for k in session._rest}

    page = client.get("/")
    assert page.status_code == 200 and "Pageviews" in page.text
    assert "max-age=31536000" in page.headers["strict-transport-security"]
    assert f"http://{HOST}" not in page.text and "http://127.0.0.1" not in page.text

    # Static files come from nginx: a hashed name is cached for a year, gzip-compressed.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text).group(1)
    asset = client.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers.get("content-encoding") == "gzip"
    assert stylesheet not in Path(deployed["app_log"]).read_text(), "gunicorn served it"

    # Only forms are posted: a large body stops at nginx.
    too_big = client.post("/accounts/login/", content=b"x" * 2_000_000)
    assert too_big.status_code == 413

    # The access log keeps paths without query strings.
    client.get("/sessions/?range=30d&limit=25")
    project = client.project
    client.close()
    # gunicorn writes the access line just after the response: give it a moment.
    deadline = time.monotonic() + 5
    while f'"GET /p/{project}/sessions/" 200' not in (log := Path(deployed["app_log"]).read_text()):
        assert time.monotonic() < deadline, log[-2000:]
        time.sleep(0.1)
    assert "limit=25" not in log


def test_the_replay_stream_arrives_progressively_through_nginx(deployed):
    client = _logged_in(deployed)
    started = time.monotonic()
    arrivals: list[tuple[float, int]] = []
    url = f"/replays/{deployed['replay_id']}/events.ndjson"
    with client.stream("GET", url) as stream:
        assert stream.status_code == 200
        for piece in stream.iter_bytes():
            arrivals.append((time.monotonic() - started, len(piece)))
    client.close()
    received = sum(size for _, size in arrivals)
    assert received == deployed["replay_bytes"]  # every byte, decoded
    first, last = arrivals[0][0], arrivals[-1][0]
    print(f"replay through nginx: first bytes at {first:.2f} s, last at {last:.2f} s")
    # Relative, not absolute: on a quiet machine the whole 50 MB stream takes ~0.2 s after its
    # first bytes. Buffered by nginx, the first bytes would come with the last ones.
    assert last - first > 0.3 * last and first < 0.6 * last, (first, last)


def _slow_client(port: int, stop: threading.Event, opened: list) -> None:
    """Slowloris: a TLS connection that sends a request's headers a line at a time."""
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with tls.wrap_socket(raw, server_hostname=HOST) as sock:
            sock.sendall(f"GET /sessions/ HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            opened.append(1)
            n = 0
            while not stop.wait(0.5):
                sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
                n += 1
    except OSError:
        pass  # nginx may close it (client_header_timeout): that is the point


def test_fifty_slow_clients_do_not_make_healthz_slow(deployed):
    stop, opened = threading.Event(), []
    slow = [
        threading.Thread(target=_slow_client, args=(deployed["https_port"], stop, opened))
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    deadline = time.monotonic() + 20
    while len(opened) < SLOW_CLIENTS and time.monotonic() < deadline:
        time.sleep(0.1)
    timings = []
    try:
        assert len(opened) == SLOW_CLIENTS, "the slow clients could not all connect"
        with _client(deployed) as client:
            until = time.monotonic() + 5  # all 50 dripping headers meanwhile
            while time.monotonic() < until:
                started = time.monotonic()
                assert client.get("/healthz").status_code == 200
                timings.append(time.monotonic() - started)
                time.sleep(0.1)
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=10)
    print(f"/healthz with {SLOW_CLIENTS} slow clients: max {max(timings) * 1000:.0f} ms")
    assert max(timings) < 1.0


def test_a_reload_hup_drops_no_request(deployed):
    """`systemctl reload oakdash` is a HUP: new workers start, the old ones finish, none fail."""
    process = deployed["gunicorn"]
    before = set(children(process.pid))
    statuses: list = []
    until = time.monotonic() + 4

    def hammer() -> None:
        with _client(deployed) as client:
            while time.monotonic() < until:
                try:
                    statuses.append(client.get("/healthz").status_code)
                except httpx.HTTPError as err:
                    statuses.append(repr(err))

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in workers:
        thread.start()
    time.sleep(1)
    os.kill(process.pid, signal.SIGHUP)
    for thread in workers:
        thread.join(timeout=30)
    assert statuses and all(status == 200 for status in statuses), set(map(str, statuses))
    after = set(children(process.pid))
    assert after and not (after & before), "the workers were not replaced"


def test_the_systemd_unit_is_valid(tmp_path):
    """systemd-analyze accepts deploy/systemd/oakdash.service (with this machine's paths)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (Debian's systemd package)")
    unit = (DEPLOY / "systemd" / "oakdash.service").read_text()
    venv = Path(sys.executable).parent.parent
    unit = unit.replace("/srv/oakdash/venv", str(venv)).replace("/srv/oakdash/app", str(ROOT))
    user = pwd.getpwuid(os.geteuid()).pw_name
    unit = unit.replace("User=oakdash", f"User={user}").replace("Group=oakdash", "")
    (tmp_path / "oakdash.env").write_text("DJANGO_SECRET_KEY=x\n")
    unit = unit.replace("/etc/oakdash/oakdash.env", str(tmp_path / "oakdash.env"))
    (tmp_path / "oakdash.service").write_text(unit)
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "oakdash.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
