"""Statistics over HTTP: the platform's for admins, and each user's own (their dashboard)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from payam.auth.dependencies import AdminUser, CurrentUser
from payam.dependencies import SessionDep, SettingsDep
from payam.kit.problems import problem_responses
from payam.stats.repository import Range
from payam.stats.schemas import PlatformStatistics, UserStatistics
from payam.stats.service import StatisticsService, day_range

router = APIRouter(tags=["statistics"])
# Days a range may name: well inside what dates and the databases hold, with room for a range.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9000, 12, 31)


async def get_statistics(session: SessionDep, settings: SettingsDep) -> StatisticsService:
    return StatisticsService(session, currency=settings.currency)


async def get_range(
    since: Annotated[
        date | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description="first UTC day (30 days ago by default)"),
    ] = None,
    until: Annotated[
        date | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description="last UTC day, included (today by default)"),
    ] = None,
) -> Range:
    return day_range(since, until)


StatisticsDep = Annotated[StatisticsService, Depends(get_statistics)]
RangeDep = Annotated[Range, Depends(get_range)]


@router.get(
    "/admin/statistics", response_model=PlatformStatistics, responses=problem_responses(422)
)
async def platform_statistics(
    _admin: AdminUser, statistics: StatisticsDep, span: RangeDep
) -> PlatformStatistics:
    """The platform over a range of days, each figure with its per-day series: messages sent,
    delivered, read, failed and skipped; campaigns by status; sign-ups and active users; revenue
    per day and per package, payments by outcome; top users and numbers by volume and by failure
    rate; numbers by provider and status."""
    return await statistics.platform(span)


@router.get("/users/me/statistics", response_model=UserStatistics, responses=problem_responses(422))
async def my_statistics(
    user: CurrentUser, statistics: StatisticsDep, span: RangeDep
) -> UserStatistics:
    """Your own figures over a range of days: messages, campaigns, your numbers' volume and
    failure rates, what you spent."""
    return await statistics.of_user(user.id, span)
