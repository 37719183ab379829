"""Re-encrypt every stored OakData key under the newest key-encryption key (docs/OPERATIONS.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from oakdash.accounts import crypto
from oakdash.accounts.models import ApiKey


class Command(BaseCommand):
    help = "Re-encrypt stored OakData keys with the first key of OAKDASH_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        rotated, unreadable = 0, []
        for record in ApiKey.objects.select_related("user"):
            try:
                record.ciphertext = crypto.rotate(record.ciphertext)
            except crypto.UndecryptableKey:
                unreadable.append(record.user.get_username())
                continue
            record.save(update_fields=["ciphertext", "updated_at"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} key(s).")
        if unreadable:
            raise CommandError(
                "These users' keys cannot be decrypted with any configured key and were left "
                f"as they are: {', '.join(unreadable)}"
            )
