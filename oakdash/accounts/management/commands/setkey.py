"""python manage.py setkey USERNAME [--no-verify] < keyfile

The key is read from standard input, never from argv: argv is visible to every local user.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import keystore
from oakdash.dashboard.upstream import get_api
from oakdash.oakdata import mask_key


class Command(BaseCommand):
    help = "Store a user's OakData secret key, read from standard input."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="store the key without asking the OakData API whether it is valid",
        )

    @sensitive_variables("raw", "key")
    def handle(self, *args, username: str, no_verify: bool, **options) -> None:
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

        if no_verify:
            if key.startswith(keystore.PUBLIC_PREFIX):
                raise CommandError(keystore.PUBLIC_KEY_EXPLANATION)
        else:
            check = keystore.check_key(get_api(), key)
            if check.verdict is keystore.Verdict.UNREACHABLE:
                raise CommandError(f"{check.message} Use --no-verify to store it unchecked.")
            if check.verdict is not keystore.Verdict.OK:
                raise CommandError(check.message)

        keystore.store_key(user, key, verified=not no_verify)
        state = "stored without verification" if no_verify else "verified and stored"
        self.stdout.write(self.style.SUCCESS(f"Key {mask_key(key)} {state} for {username}."))
