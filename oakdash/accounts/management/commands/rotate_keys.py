"""Re-encrypt every stored OakData key under the newest key-encryption key, and recompute its
fingerprint (docs/OPERATIONS.md).

Fingerprints are keyed by SECRET_KEY: after it changes, stored ones no longer match the keys
people store next (teammates would not be recognised) until this command has run.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from oakdash.accounts import crypto
from oakdash.accounts.models import ProjectKey


class Command(BaseCommand):
    help = (
        "Re-encrypt stored OakData keys with the first key of OAKDASH_ENCRYPTION_KEYS and "
        "recompute their fingerprints."
    )

    def handle(self, *args, **options) -> None:
        rotated, unreadable = 0, []
        for record in ProjectKey.objects.select_related("user", "project"):
            try:
                record.ciphertext = crypto.rotate(record.ciphertext)
                record.fingerprint = crypto.fingerprint(crypto.decrypt(record.ciphertext))
            except crypto.UndecryptableKey:
                unreadable.append(f"{record.user.get_username()} ({record.project.slug})")
                continue
            record.save(update_fields=["ciphertext", "fingerprint", "updated_at"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} key(s) and recomputed their fingerprints.")
        if unreadable:
            raise CommandError(
                "These users' keys cannot be decrypted with any configured key and were left "
                f"as they are: {', '.join(unreadable)}"
            )
