"""manage.py breakglass USERNAME: a one-time sign-in link for a superuser (docs/DEPLOY.md)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from oakdash.sso.breakglass import LINK_SECONDS, link_path

log = logging.getLogger("oakdash.sso.breakglass")


class Command(BaseCommand):
    help = (
        "Print a one-time link that signs a superuser in without company sign-in or a password "
        f"(valid {LINK_SECONDS // 60} minutes; its use is logged). For when sign-in is broken."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url",
            default="",
            help="oakdash's address, e.g. https://oakdash.example.com (else only the path).",
        )

    def handle(self, *args, username: str, base_url: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active or not user.is_superuser:
            raise CommandError(
                f"{username!r} is not an active superuser. Create one first: "
                "python manage.py createsuperuser"
            )
        log.warning("break-glass link issued for %s (valid %d s)", username, LINK_SECONDS)
        self.stdout.write(base_url.rstrip("/") + link_path(user))
        self.stderr.write(
            f"One use, valid {LINK_SECONDS // 60} minutes. Open it in a browser and press the "
            "button to sign in; the session lasts an hour."
        )
