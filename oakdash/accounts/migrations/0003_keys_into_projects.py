"""Each stored key becomes a project with its owner as member; people who stored the same key
end up in one project (matched by the key's fingerprint, computed by decrypting it with the
configured keys). A key no configured key can decrypt keeps its owner's membership with an empty
fingerprint: the owner is asked to store it again, as before the upgrade.

No API call is made here: new projects have no anchor until a member's key is verified
(docs/DECISIONS.md, "Projects").
"""

from django.contrib.auth import get_user_model
from django.db import migrations

from oakdash.accounts import crypto
from oakdash.accounts.projects import slug_base


def _free_slug(Project, name, taken):
    base = slug_base(name)
    slug, n = base, 2
    while slug in taken or Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _fingerprint(ciphertext):
    try:
        return crypto.fingerprint(crypto.decrypt(ciphertext))
    except crypto.UndecryptableKey:
        return ""


def keys_into_projects(apps, schema_editor):
    ApiKey = apps.get_model("accounts", "ApiKey")
    Project = apps.get_model("accounts", "Project")
    ProjectKey = apps.get_model("accounts", "ProjectKey")
    username_field = get_user_model().USERNAME_FIELD
    by_fingerprint, taken = {}, set()
    for old in ApiKey.objects.select_related("user").order_by("id"):
        fingerprint = _fingerprint(old.ciphertext)
        project = by_fingerprint.get(fingerprint) if fingerprint else None
        if project is None:
            name = f"{getattr(old.user, username_field)}'s project"[:100]
            project = Project.objects.create(name=name, slug=_free_slug(Project, name, taken))
            if fingerprint:
                by_fingerprint[fingerprint] = project
        new = ProjectKey.objects.create(
            user_id=old.user_id,
            project=project,
            ciphertext=old.ciphertext,
            mask=old.mask,
            fingerprint=fingerprint,
            verified_at=old.verified_at,
        )
        ProjectKey.objects.filter(pk=new.pk).update(
            created_at=old.created_at, updated_at=old.updated_at
        )


def newest_key_per_user(apps, schema_editor):
    """Back to one key per person: each keeps the key they stored or changed last."""
    ApiKey = apps.get_model("accounts", "ApiKey")
    ProjectKey = apps.get_model("accounts", "ProjectKey")
    seen = set()
    for key in ProjectKey.objects.order_by("user_id", "-updated_at", "-id"):
        if key.user_id in seen:
            continue
        seen.add(key.user_id)
        ApiKey.objects.create(
            user_id=key.user_id,
            ciphertext=key.ciphertext,
            mask=key.mask,
            verified_at=key.verified_at,
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_projects")]

    operations = [migrations.RunPython(keys_into_projects, newest_key_per_user)]
