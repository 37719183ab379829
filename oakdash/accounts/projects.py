"""Projects: names, their URL slugs, and finding one by a key's fingerprint or by what a person
typed (``setkey --project``).

A slug is made from the name when the project is created (``acme-shop``; ``acme-shop-2`` when
taken) and never follows a rename: links carry it, and links must not break. Only an admin may
change it, warned that shared links then stop working.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from oakdash.accounts.models import Project, ProjectKey

NAME_MAX = Project._meta.get_field("name").max_length
# Short enough to read in a URL; "-2"… suffixes fit in the field's 50.
SLUG_BASE_MAX = 40
FALLBACK_SLUG = "project"


def default_name(user: User) -> str:
    """A new project's name when the person gave none (anyone with a key may rename it)."""
    return f"{user.get_username()}'s project"[:NAME_MAX]


def clean_name(name: str) -> str:
    """One line, no surrounding blanks, within the field."""
    return " ".join(name.split())[:NAME_MAX]


def slug_base(name: str) -> str:
    """``Acme Shop`` → ``acme-shop``; a name with no URL-safe letters → ``project``."""
    base = slugify(name)[:SLUG_BASE_MAX].strip("-")
    return base or FALLBACK_SLUG


def free_slug(name: str) -> str:
    """The name's slug, or the first of ``-2``, ``-3``… not taken yet."""
    base = slug_base(name)
    taken = set(Project.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create(name: str) -> Project:
    """A new project with a free slug (retried if another request took it meanwhile)."""
    name = clean_name(name) or FALLBACK_SLUG.capitalize()
    for _ in range(5):
        try:
            with transaction.atomic():
                return Project.objects.create(name=name, slug=free_slug(name))
        except IntegrityError:
            continue
    raise IntegrityError(f"no free slug for {name!r} after 5 tries")


def with_fingerprint(fingerprint: str) -> Project | None:
    """The project of someone who stored the key with this fingerprint (the most recently
    verified if an admin ever moved such keys apart), or None."""
    if not fingerprint:
        return None
    record = (
        ProjectKey.objects.filter(fingerprint=fingerprint)
        .select_related("project")
        .order_by("-verified_at", "-updated_at")
        .first()
    )
    return record.project if record is not None else None


class AmbiguousName(Exception):
    """Several projects have that name: the slug tells them apart."""


def find(text: str) -> Project | None:
    """The project whose slug is ``text``, else the one named ``text`` (any case), else None.
    Raises AmbiguousName when several share the name."""
    text = text.strip()
    by_slug = Project.objects.filter(slug=text).first()
    if by_slug is not None:
        return by_slug
    named = list(Project.objects.filter(name__iexact=clean_name(text))[:2])
    if len(named) > 1:
        raise AmbiguousName(
            f"Several projects are named {text!r}: give the slug of the one you mean "
            f"({', '.join(p.slug for p in Project.objects.filter(name__iexact=clean_name(text)))})."
        )
    return named[0] if named else None


def rename(project: Project, name: str) -> bool:
    """Give the project a new name (its slug stays). False when the name is blank."""
    name = clean_name(name)
    if not name:
        return False
    project.name = name
    project.save(update_fields=["name", "updated_at"])
    return True
