"""``{% project_url "sessions" %}``, ``{% project_url "visitor" id %}``: a dashboard route in the
page's project, every id encoded as one path segment (``links.id_url``);
``{% project_url "overview" project=slug %}`` for another project's.

The project is the page's (``/p/<slug>/…``), else the one the viewer is in (settings, error
pages: ``context_processors.Nav``); with no project at all, the unscoped address, which sends the
viewer to settings. The one way templates link to dashboard routes.
"""

from __future__ import annotations

from django import template

from oakdash.dashboard.links import id_url

register = template.Library()


def project_slug(context: template.Context) -> str | None:
    """The slug links on this page go to (None: the viewer has no project)."""
    project = context.get("project")
    if project is not None:
        return project.slug
    nav = context.get("nav")
    current = nav.current if nav is not None else None
    return current.slug if current is not None else None


@register.simple_tag(takes_context=True)
def project_url(context: template.Context, name: str, *ids: object, project: str = "") -> str:
    """Route ``name`` with ``ids``, in the page's project or in the one ``project`` names."""
    slug = project or project_slug(context)
    if slug is None:
        return id_url(f"unscoped:{name}", *(str(i) for i in ids))
    return id_url(name, slug, *(str(i) for i in ids))
