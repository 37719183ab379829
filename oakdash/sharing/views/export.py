"""…/replays/<id>/portable.html: the replay as one file that plays offline (team members only).

The recording comes through the team page's pipeline (fresh signed URLs, stream slot, memory
budget and pacing), wrapped by ``portable_file`` as it streams. Each download is audited.
"""

from __future__ import annotations

import re

from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from oakdash.accounts.models import Project
from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.errors import Problem, render_problem
from oakdash.dashboard.stream_watch import WatchedStream, get_watch, paced
from oakdash.dashboard.views.replay_stream import StreamBody, guarded_stream, open_stream
from oakdash.oakdata import OakDataClient
from oakdash.replay import ReplayBusy, ReplayError, with_error_line
from oakdash.sharing import audit
from oakdash.sharing.models import ShareAudit
from oakdash.sharing.portable_file import Provenance, portable_html

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def filename(replay_id: str) -> str:
    return "replay-" + (_UNSAFE_IN_NAME.sub("_", replay_id)[:80] or "recording") + ".html"


@dashboard_page
def download(request: DashboardRequest, client: OakDataClient, replay_id: str) -> HttpResponseBase:
    return guarded_stream(
        request, str(request.user.pk), lambda watched: _file(request, client, replay_id, watched)
    )


def _file(
    request: DashboardRequest, client: OakDataClient, replay_id: str, watched: WatchedStream
) -> HttpResponseBase:
    try:
        stream = open_stream(client, replay_id)  # API errors: @dashboard_page's pages
    except ReplayError as err:
        status = 503 if isinstance(err, ReplayBusy) else 502
        problem = Problem(status, "unavailable", "The recording could not be exported", err.message)
        return render_problem(request, problem)
    project = Project.objects.get(slug=request.project.slug)
    audit.record(ShareAudit.Action.EXPORTED, request=request, project=project, replay_id=replay_id)
    about = Provenance(
        user=request.user.get_username(),
        project=project.name,
        replay_id=replay_id,
        exported_at=timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
    )
    watch = get_watch()
    body = portable_html(with_error_line(paced(stream, watched)), about)
    response = StreamingHttpResponse(
        StreamBody(body, [stream.close, lambda: watch.drop(watched)]),
        content_type="text/html; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(replay_id)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Accel-Buffering"] = "no"
    return response
