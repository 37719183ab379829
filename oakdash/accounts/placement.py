"""Where a key someone stores goes: a teammate's project, the project they say it belongs to, or a
new one — and the proof asked before a key may join a project it was not seen in.

1. A key whose fingerprint matches a key already stored joins that key's project (teammates who
   store the same key are in the same project), whatever the person said.
2. A key the person says belongs to a project (a second or rotated key, or a replacement of
   their own): the OakData API has no project id, and a key must never be used for anyone else's
   request, so the new key alone must prove it: it has to read the project's *anchor*, a recent
   session seen through a member's own key (``Project.anchor_session``). A project with no anchor
   accepts a key only from the person who is its one member (or from an operator); otherwise an
   admin attaches it (docs/DECISIONS.md, "Projects").
3. Anything else starts a new project.

A key that joins a project after verification renews the project's anchor with that key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.views.decorators.debug import sensitive_variables

from oakdash.accounts import crypto, keystore, projects
from oakdash.accounts.models import Project, ProjectKey
from oakdash.oakdata import OakDataAPI, errors

NO_ANCHOR_EXPLANATION = (
    "oakdash cannot check that this key belongs to {name}: no member has verified a key for it "
    "while it had sessions to check against. A member can renew the check by saving their own "
    "key again in settings, or an admin can attach your key to {name} in the admin."
)
WRONG_PROJECT_EXPLANATION = (
    "This key cannot read {name}'s data: it belongs to another OakData project (or {name}'s "
    "latest known session is gone). Check that you copied the key of the right project."
)


class Outcome(enum.Enum):
    STORED = "stored"
    REFUSED = "refused"  # the key, or the claim, is refused; .message says why
    UNREACHABLE = "unreachable"  # OakData did not answer: nothing was stored


@dataclass(frozen=True)
class Placement:
    outcome: Outcome
    message: str = ""
    record: ProjectKey | None = None
    joined: bool = False  # the key was a teammate's: it joined their project
    claim_overruled: bool = False  # it joined a project other than the one claimed

    @property
    def stored(self) -> bool:
        return self.outcome is Outcome.STORED


def _refused(check: keystore.Check) -> Placement:
    if check.verdict is keystore.Verdict.UNREACHABLE:
        return Placement(Outcome.UNREACHABLE, check.message)
    return Placement(Outcome.REFUSED, check.message)


@sensitive_variables("key")
def _prove(api: OakDataAPI, key: str, project: Project) -> keystore.Check:
    """Can this key read the project's anchor session? (A 404: it reads another project.)"""
    try:
        api.for_key(key).session(project.anchor_session)
    except errors.NotFound:
        return keystore.Check(
            keystore.Verdict.INVALID, WRONG_PROJECT_EXPLANATION.format(name=project.name)
        )
    except errors.PublicKey:
        return keystore.Check(keystore.Verdict.PUBLIC, keystore.PUBLIC_KEY_EXPLANATION)
    except errors.InvalidKey:
        return keystore.Check(keystore.Verdict.INVALID, keystore.INVALID_KEY_EXPLANATION)
    except errors.InvalidParameter:
        # An anchor the API cannot even be asked about proves nothing either way.
        return keystore.Check(
            keystore.Verdict.INVALID, NO_ANCHOR_EXPLANATION.format(name=project.name)
        )
    except errors.OakDataError:
        return keystore.Check(
            keystore.Verdict.UNREACHABLE, "OakData could not be reached to check the key."
        )
    return keystore.Check(keystore.Verdict.OK)


def _sole_member(user: AbstractBaseUser, project: Project) -> bool:
    members = set(project.keys.values_list("user_id", flat=True))
    return members == {user.pk}


@sensitive_variables("key")
def place_key(
    api: OakDataAPI,
    user: AbstractBaseUser,
    key: str,
    *,
    claim: Project | None = None,
    name: str = "",
    verify: bool = True,
    trusted: bool = False,
) -> Placement:
    """Store ``user``'s (normalised) ``key`` where it belongs, or say why not.

    ``verify=False`` stores without asking OakData: allowed for a new project or a teammate's
    key (the fingerprint proves that one), and for a claim only when ``trusted`` (an operator
    running ``setkey --no-verify``). ``trusted`` also lets a claim on a project without an anchor
    through.
    """
    shape = keystore.check_shape(key)
    if shape is not None:
        return _refused(shape)
    teammates = projects.with_fingerprint(crypto.fingerprint(key))
    if teammates is not None:
        return _join(api, user, key, teammates, claim, verify)
    if claim is not None:
        return _claim(api, user, key, claim, verify, trusted)
    check = keystore.check_key(api, key) if verify else None
    return _store(api, user, key, check, verify=verify, name=name)


@sensitive_variables("key")
def _store(
    api: OakDataAPI,
    user: AbstractBaseUser,
    key: str,
    check: keystore.Check | None,
    *,
    verify: bool,
    project: Project | None = None,
    name: str = "",
    **placed: bool,
) -> Placement:
    """Store the key unless ``check`` (None: not asked) refused it; a verified key renews the
    project's anchor."""
    if check is not None and check.verdict is not keystore.Verdict.OK:
        return _refused(check)
    record = keystore.store_key(user, key, verified=verify, project=project, name=name)
    if verify:
        keystore.refresh_anchor(api, record.project, key)
    return Placement(Outcome.STORED, record=record, **placed)


@sensitive_variables("key")
def _join(
    api: OakDataAPI,
    user: AbstractBaseUser,
    key: str,
    project: Project,
    claim: Project | None,
    verify: bool,
) -> Placement:
    check = keystore.check_key(api, key) if verify else None
    overruled = claim is not None and claim.pk != project.pk
    return _store(
        api,
        user,
        key,
        check,
        verify=verify,
        project=project,
        joined=True,
        claim_overruled=overruled,
    )


@sensitive_variables("key")
def _claim(
    api: OakDataAPI,
    user: AbstractBaseUser,
    key: str,
    project: Project,
    verify: bool,
    trusted: bool,
) -> Placement:
    if not verify and not trusted:
        return Placement(
            Outcome.REFUSED,
            f"A key for {project.name} is only stored once OakData confirms it belongs there.",
        )
    if project.anchor_session:
        check = _prove(api, key, project) if verify else None
    elif trusted or _sole_member(user, project):
        check = keystore.check_key(api, key) if verify else None
    else:
        return Placement(Outcome.REFUSED, NO_ANCHOR_EXPLANATION.format(name=project.name))
    return _store(api, user, key, check, verify=verify, project=project)
