"""``{% share_actions replay %}``: "Share publicly" and "Download" on the team's replay page."""

from __future__ import annotations

from typing import Any

from django import template

from oakdash.dashboard.links import id_url
from oakdash.sharing.forms import ShareForm
from oakdash.sharing.permissions import why_not_share
from oakdash.sharing.portable_file import player_bytes

register = template.Library()


@register.inclusion_tag("sharing/actions.html", takes_context=True)
def share_actions(context: template.Context, replay: Any) -> dict[str, Any]:
    request = context["request"]
    slug = request.project.slug
    return {
        "refusal": why_not_share(request.user),
        "form": ShareForm(initial={"project": slug, "replay_id": replay.id}),
        "download_url": id_url("replay_portable", slug, replay.id),
        "player_bytes": player_bytes(),
        "csrf_token": context.get("csrf_token"),
    }
