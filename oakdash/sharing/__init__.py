"""Sharing a replay beyond the team: expiring, revocable, audited public links (``/s/<id>/``)
and the portable offline replay file. docs/DECISIONS.md, "Sharing"."""
