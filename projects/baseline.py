"""The baseline of a project: the figures an approved plan fixes (规划审定), which then change
only through a change request the city approves.

Which projects have a baseline, and which plan fixed it, only the plans app knows. Plans
depends on projects, never the reverse: projects asks through this module, and plans tells it
how to answer when Django starts (`plans.apps.PlansConfig.ready` calls `register`). Without
the plans app no project has a baseline.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# The fields of a project that only an approved plan or change request may change; its funding
# plan (per source) and its equipment lines are part of the baseline too.
BASELINE_FIELDS = (
    "code",
    "name",
    "school",
    "programme",
    "category",
    "construction_kind",
    "work_type",
    "plan_year",
    "content",
    "planned_area",
    "planned_amount",
)


@dataclass(frozen=True)
class Baseline:
    """What a project's pages show of its baseline, for one user."""

    plan_title: str  # the approved plan that fixes it
    end_year: int
    change_url: str  # where the county asks for a change
    may_request_change: bool
    changes: list = field(default_factory=list)  # its change requests the user may see


_answers: dict[str, Callable] = {}


def register(*, is_baselined: Callable, baseline_of: Callable) -> None:
    """Called once by the plans app: `is_baselined(project_id) -> bool` and
    `baseline_of(project_id, *, user) -> Baseline | None`."""
    _answers.update(is_baselined=is_baselined, baseline_of=baseline_of)


def is_baselined(project_id) -> bool:
    """Whether a province-approved plan holds the project (its baseline is then locked)."""
    answer = _answers.get("is_baselined")
    return project_id is not None and answer is not None and answer(project_id)


def baseline_of(project_id, *, user) -> Baseline | None:
    answer = _answers.get("baseline_of")
    if project_id is None or answer is None:
        return None
    return answer(project_id, user=user)
