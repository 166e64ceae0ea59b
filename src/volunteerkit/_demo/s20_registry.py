"""Demo step: real-name registration of volunteers and organizations.

Registers a social service organization (USCC type 52, 民办非企业单位) with a team under it, and
four volunteers with different documents: a mainland citizen ID card, a Hong Kong resident's
residence permit, a foreigner's 2023 permanent residence card, and a 15-year-old with a guardian's
consent. The citizen then registers again with the 15-digit form of the same number, which joins
the existing volunteer to the team instead of creating a second record.

Leaves for later steps: ``ctx.data["volunteers"]`` (volunteer ids, in the order above),
``ctx.data["organization"]`` (the organization's id), ``ctx.data["team"]`` (the team's id),
``ctx.data["registry"]`` (the :class:`~volunteerkit.registry.Registry`) and
``ctx.data["keyring"]``.

Every number is a public test vector (``tests/data/identity-vectors.json``) or computed with the
library's check-digit functions. Running the step again on the same store (``demo --keep``)
finds everything already registered and creates nothing new.
"""

from __future__ import annotations

import hashlib
import importlib.util
from datetime import date, timedelta

from volunteerkit._demo._context import DemoContext
from volunteerkit.registry import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Keyring,
    MembershipRole,
    Organization,
    Registry,
    Volunteer,
    VolunteerApplication,
    identity,
)
from volunteerkit.registry.identity import cn_ric, cn_uscc

TITLE = "Registering volunteers and organizations"


def can_encrypt() -> bool:
    """Whether the optional ``cryptography`` package is installed (``volunteerkit[crypto]``)."""
    return importlib.util.find_spec("cryptography") is not None


def _demo_keyring() -> Keyring:
    """Fixed keys derived from labels, so a kept demo database is found again on the next run.

    Without ``cryptography`` the keyring has no encryption key, and the store keeps identity
    numbers in the clear (beside their blind index), as :class:`Keyring` allows.
    A real application loads random keys from its secret store; never derive keys like this.
    """
    sealing = {"demo-e1": hashlib.sha256(b"volunteerkit demo encryption key").digest()}
    return Keyring(
        {"demo-i1": hashlib.sha256(b"volunteerkit demo blind-index key").digest()},
        encryption_keys=sealing if can_encrypt() else None,
    )


def _ric(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


def _uscc_52() -> str:
    """A USCC of type 52 (civil affairs, 民办非企业单位) registered in Chaoyang, Beijing."""
    body = "52110105" + "MJ012345"
    body += cn_uscc.calc_organization_check_digit("MJ012345")
    return body + cn_uscc.calc_check_digit(body)


def _summary(volunteer: Volunteer, day: date) -> dict[str, object]:
    """What the demo prints about a volunteer: nothing a log should not hold."""
    return {
        "id": volunteer.id,
        "document": volunteer.masked_document,
        "age": volunteer.age_on(day),
        "sex": None if volunteer.sex is None else volunteer.sex.value,
        "nationality": volunteer.nationality,
        "guardian": None if volunteer.guardian is None else repr(volunteer.guardian),
    }


def _organization(registry: Registry, ctx: DemoContext) -> tuple[Organization, Organization]:
    uscc = _uscc_52()
    org = registry.find_organization(uscc)
    if org is None:
        org = registry.register_organization(
            name="北京朝阳阳光社区志愿服务中心", uscc=uscc, actor="demo"
        )
    teams = [o for o in ctx.store.organizations.children(org.id) if o.name == "望京街道志愿服务队"]
    team = teams[0] if teams else registry.register_organization(
        name="望京街道志愿服务队", parent_id=org.id, actor="demo"
    )  # fmt: skip
    return org, team


def run(ctx: DemoContext) -> None:
    """Register an organization, four volunteers and a duplicate; show what was kept."""
    keyring = _demo_keyring()
    if not keyring.encrypts:
        ctx.say(
            "The 'cryptography' package is not installed: identity numbers are stored without "
            "encryption (install the 'crypto' extra to seal them: python -m pip install '.[crypto]' "
            "in a checkout)."
        )
    registry = Registry(ctx.store, clock=ctx.clock, keyring=keyring)
    today = registry.policy.local_date(ctx.clock.now())
    org, team = _organization(registry, ctx)
    ctx.show(
        "organization",
        {"id": org.id, "uscc": org.uscc, "kind": org.kind.value, "region": org.region},
    )
    ctx.say(f"A team inside it, without a USCC of its own: {team.name} ({team.kind.value})")

    guardian = Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        phone="+8618612345678",
        document=identity.parse("cn_ric", _ric("110105", date(1980, 3, 5), 22)),
        consent=GuardianConsent(
            given_at=ctx.clock.now() - timedelta(days=1),
            method=ConsentMethod.WRITTEN,
            reference="家长同意书 2026-118",
        ),
    )
    applications = [
        VolunteerApplication(
            name="张丽",
            document=identity.parse("cn_ric", "11010519491231002X"),
            phone="131 2345 6789",
            languages=["zh-Hans"],
            skills=["急救"],
        ),
        VolunteerApplication(
            name="陈美玲",
            document=identity.parse("cn_hmt_residence_permit", "810000199408230021"),
            phone="+852 9123 4567",
            languages=["yue-HK", "en"],
        ),
        VolunteerApplication(
            name="Aigerim Nurlanova",
            document=identity.parse("cn_foreign_pr", "911398199012310021"),
            email="aigerim@example.org",
            languages=["kk", "ru", "zh-Hans"],
        ),
        VolunteerApplication(
            name="李想",
            document=identity.parse("cn_ric", _ric("110105", date(2011, 6, 1), 21)),
            guardian=guardian,
        ),
    ]
    ids: list[str] = []
    for application in applications:
        result = registry.register_volunteer(application, organization_id=org.id, actor="demo")
        ids.append(result.volunteer.id)
        ctx.show(
            f"registered {application.document.scheme}"
            + ("" if result.created else " (already registered)"),
            _summary(result.volunteer, today),
        )

    ctx.say("张丽 registers again at the team, typing her first-generation 15-digit number:")
    again = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "110105491231002")),
        organization_id=team.id,
        role=MembershipRole.MEMBER,
        actor="demo",
    )
    ctx.show(
        "duplicate registration",
        {
            "same volunteer": again.volunteer.id == ids[0],
            "created": again.created,
            "joined the team": again.membership is not None
            and again.membership.organization_id == team.id,
        },
    )
    memberships = registry.memberships(ids[0], active_only=True)
    ctx.show(
        "张丽's organizations",
        sorted(registry.get_organization(m.organization_id).name for m in memberships),
    )
    stored = ctx.store.volunteers.get(ids[0])
    ctx.show(
        "what the store keeps of her number",
        {
            "blind index": stored.document_index[:12] + "…",
            "masked": stored.document.masked,
            "sealed with key": stored.document.key_id,
        },
    )
    trail = ctx.store.audit.query(subject_type="volunteer", subject_id=ids[0])
    ctx.show("audit trail (masked numbers only)", [f"{e.action} {e.details}" for e in trail])

    ctx.data["volunteers"] = ids
    ctx.data["organization"] = org.id
    ctx.data["team"] = team.id
    ctx.data["registry"] = registry
    ctx.data["keyring"] = keyring
