"""Create (or reset) the demo login and give it the demo projects' keys. Used by scripts/demo."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from oakdash.accounts import keystore
from oakdash.upstream import get_api

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "oakdash-demo"  # noqa: S105 - printed on screen on purpose: the demo only listens on loopback


class Command(BaseCommand):
    help = "Create the demo user with the demo projects' keys (only with OAKDATA_API_URL=demo)."

    def handle(self, *args, **options) -> None:
        if settings.OAKDATA_API_URL != "demo":
            raise CommandError("demo_user only makes sense with OAKDATA_API_URL=demo.")
        from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.is_superuser = True
        user.save()
        for key, name in ((ACME_SECRET_KEY, "Acme Shop"), (GLOBEX_SECRET_KEY, "Globex Docs")):
            record = keystore.store_key(user, key, verified=True, name=name)
            keystore.refresh_anchor(get_api(), record.project, key)
        self.stdout.write(
            f"Demo login: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r} "
            "(projects: Acme Shop and Globex Docs, demo data)"
        )
