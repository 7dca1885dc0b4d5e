"""Who may do what in supervision, on top of the access rule (what a user sees)."""

from inspections.choices import RECTIFIER_ROLES, SUPERVISOR_ROLES


def can_supervise(user) -> bool:
    """Inspectors, the city and administrators log visits, raise findings and verify them."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in SUPERVISOR_ROLES)
    )


def can_rectify(user, finding) -> bool:
    """The education bureau of the responsible county answers a finding; nobody else."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in RECTIFIER_ROLES
        and user.district_id is not None
        and user.district_id == finding.responsible_county_id
    )
