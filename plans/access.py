"""Who may do what with plans and change requests (县级编制、盟市审核、省级审定)."""

from gaibo.choices import Role
from plans.choices import PLAN_APPROVER_ROLES, PLAN_COMPILER_ROLES, PLAN_REVIEWER_ROLES


def _has_role(user, roles) -> bool:
    """The role, and for an administrator the whole tree: one placed in a county may not
    review or approve (its own) plans."""
    if not user.is_active:
        return False
    if user.role == Role.ADMINISTRATOR or user.is_superuser:
        return user.sees_everything
    return user.role in roles


def can_compile(user) -> bool:
    """Compile a county's plan and ask for changes to its approved projects."""
    return _has_role(user, PLAN_COMPILER_ROLES)


def can_review(user) -> bool:
    """Review the counties' plans (the city) and decide their change requests."""
    return _has_role(user, PLAN_REVIEWER_ROLES)


def can_approve(user) -> bool:
    """Give a plan its final approval (the province)."""
    return _has_role(user, PLAN_APPROVER_ROLES)
