"""python manage.py setkey USERNAME [--project NAME] [--no-verify] < keyfile

The key is read from standard input, never from argv: argv is visible to every local user.

Where it goes (``placement.place_key``, with the operator trusted): a key teammates already use
joins their project; otherwise ``--project`` names the project (its slug or its name) — created
by that name when none has it — or, without ``--project``, the user's one project gets the new
key (as before projects existed), or a new project starts when they have none.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto, keystore, projects
from oakdash.accounts.models import Project
from oakdash.accounts.placement import Outcome, place_key
from oakdash.oakdata import mask_key
from oakdash.upstream import get_api


class Command(BaseCommand):
    help = "Store a user's OakData secret key for a project, read from standard input."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--project",
            default="",
            help="the project's slug or name (created by that name if no project has it); "
            "optional while the user has at most one project",
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="store the key without asking the OakData API whether it is valid",
        )

    @sensitive_variables("raw", "key")
    def handle(self, *args, username: str, project: str, no_verify: bool, **options) -> None:
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

        if sys.stdin.isatty():
            raw = getpass.getpass("OakData secret key (input hidden): ")
        else:
            raw = sys.stdin.readline()
        key = keystore.normalise(raw)
        if not key:
            raise CommandError("No key on standard input: pipe it in, e.g. setkey alice < key.txt")

        claim, name = self._target(user, project, key)
        placed = place_key(
            get_api(), user, key, claim=claim, name=name, verify=not no_verify, trusted=True
        )
        if placed.outcome is Outcome.UNREACHABLE:
            raise CommandError(f"{placed.message} Use --no-verify to store it unchecked.")
        if not placed.stored or placed.record is None:
            raise CommandError(placed.message)
        stored_in = placed.record.project
        state = "stored without verification" if no_verify else "verified and stored"
        self.stdout.write(
            self.style.SUCCESS(
                f"Key {mask_key(key)} {state} for {username} in {stored_in.name} "
                f"(/p/{stored_in.slug}/)."
            )
        )
        if placed.joined and project and claim != stored_in:
            self.stdout.write(f"Teammates already use this key: it joined {stored_in.name}.")

    @sensitive_variables("key")
    def _target(self, user, wanted: str, key: str) -> tuple[Project | None, str]:
        """(the project the key is said to belong to, the name for a new one)."""
        if wanted.strip():
            try:
                return projects.find(wanted), wanted.strip()
            except projects.AmbiguousName as err:
                raise CommandError(str(err)) from None
        theirs = list(Project.objects.filter(keys__user=user)[:2])
        if len(theirs) > 1 and projects.with_fingerprint(crypto.fingerprint(key)) is None:
            mine = Project.objects.filter(keys__user=user).values_list("slug", flat=True)
            slugs = ", ".join(mine)
            raise CommandError(
                f"{user.get_username()} has keys for several projects ({slugs}): say which "
                "with --project."
            )
        return (theirs[0] if len(theirs) == 1 else None), ""
