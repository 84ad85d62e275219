"""The preflight check: each fact that raises a campaign's ban risk, what it adds, what to do.

Points add up to the score (at most 100): low below 25, medium below 50, high from 50. The
weights follow what gets WhatsApp numbers banned (docs/whatsapp.md, "Account safety").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from payam.config import Settings
from payam.dispatch.presence import absent_since, present_since
from payam.kit.clock import utc_now
from payam.message.templating import TemplateError, parse_template
from payam.models import Campaign, Sender, User
from payam.pacing import allowed_now, daily_cap_on, limits_of, state_of, warmup_day
from payam.safety.repository import PreflightRepository, RecipientHistory, SendHistory
from payam.safety.schemas import Finding, Preflight, RiskLevel, Severity

SAFE_INTERVAL_SECONDS = 10
HISTORY_DAYS = 7
YOUNG_NUMBER_DAYS = 14
# Past this many days the estimate stops counting: "more than a year" says enough.
MAX_DAYS = 366


def level_of(score: int) -> RiskLevel:
    if score < 25:
        return RiskLevel.LOW
    return RiskLevel.MEDIUM if score < 50 else RiskLevel.HIGH


def _pace(campaign: Campaign, jitter: float) -> Finding | None:
    interval = campaign.interval_seconds
    if interval < SAFE_INTERVAL_SECONDS and jitter == 0:
        return Finding(
            code="FAST_PACE_NO_JITTER",
            severity=Severity.DANGER,
            points=30,
            found=f"A message every {interval} s exactly, with no random extra wait",
            change=f"Choose an interval of {SAFE_INTERVAL_SECONDS} s or more, and ask the"
            " operator to set PAYAM_PACING_JITTER_RATIO (0.3 is the default)",
        )
    if interval < SAFE_INTERVAL_SECONDS:
        return Finding(
            code="FAST_PACE",
            severity=Severity.WARNING,
            points=15,
            found=f"A message every {interval} s",
            change=f"Choose an interval of {SAFE_INTERVAL_SECONDS} s or more",
        )
    if jitter == 0:
        return Finding(
            code="NO_JITTER",
            severity=Severity.WARNING,
            points=10,
            found=f"A message every {interval} s exactly: machine-regular timing",
            change="Ask the operator to set PAYAM_PACING_JITTER_RATIO (0.3 is the default)",
        )
    return None


def _text(campaign: Campaign, opt_out_keywords: Sequence[str]) -> list[Finding]:
    if campaign.whatsapp_template is not None:
        return []  # Meta approved the template, and its values differ per recipient
    findings = []
    try:
        varies = parse_template(campaign.message).varies
    except TemplateError:
        varies = False
    if not varies:
        findings.append(
            Finding(
                code="IDENTICAL_TEXT",
                severity=Severity.WARNING,
                points=20,
                found="Every recipient gets the very same text",
                change="Address each by name ({{name|friend}}) and vary the wording with"
                " choices ({Hi|Hello|Good day})",
            )
        )
    text = campaign.message.casefold()
    if not any(keyword.casefold() in text for keyword in opt_out_keywords):
        findings.append(
            Finding(
                code="NO_OPT_OUT",
                severity=Severity.WARNING,
                points=10,
                found="The message does not say how to stop receiving messages",
                change=f"End it with a line such as 'Reply {opt_out_keywords[0]} to stop'"
                if opt_out_keywords
                else "End it with a line saying how to stop receiving messages",
            )
        )
    return findings


def _recipients(history: RecipientHistory) -> list[Finding]:
    if history.pending == 0:
        return []
    findings = []
    missing = history.not_on_whatsapp / history.pending
    if history.not_on_whatsapp:
        findings.append(
            Finding(
                code="KNOWN_NOT_ON_WHATSAPP",
                severity=Severity.DANGER if missing >= 0.05 else Severity.WARNING,
                points=20 if missing >= 0.05 else 5,
                found=f"{history.not_on_whatsapp} of {history.pending} recipients are known not"
                " to be on WhatsApp (skipped before, or so answered when checked)",
                change="Remove them from the list: messages to numbers not on WhatsApp are a"
                " bulk-sender signal",
            )
        )
    unchecked = history.pending - history.known_on_whatsapp - history.not_on_whatsapp
    if unchecked / history.pending > 0.5:
        findings.append(
            Finding(
                code="UNCHECKED_RECIPIENTS",
                severity=Severity.INFO,
                points=10,
                found=f"{unchecked} of {history.pending} recipients were never messaged from your"
                " numbers nor checked lately, so Payam does not know they are on WhatsApp",
                change="Send first to people who know you (customers who gave their number),"
                " and start with a small campaign",
            )
        )
    return findings


def _numbers(senders: Sequence[Sender], history: SendHistory, *, zone: ZoneInfo) -> list[Finding]:
    findings = []
    now = utc_now()
    today = now.astimezone(zone).date()
    if not senders:
        findings.append(
            Finding(
                code="NO_NUMBER",
                severity=Severity.WARNING,
                points=0,
                found="The campaign has no WhatsApp number yet",
                change="Pick one or more numbers (sender_ids)",
            )
        )
    for sender in senders:
        limits = limits_of(sender)
        day = warmup_day(limits, today, zone=zone)
        young = sender.connected_at is not None and now - sender.connected_at < timedelta(
            days=YOUNG_NUMBER_DAYS
        )
        if day is not None:
            findings.append(
                Finding(
                    code="WARMING_UP",
                    severity=Severity.INFO,
                    points=5,
                    found=f"{sender.display_name} is on day {day} of its {sender.warmup_days}-day"
                    f" warm-up: {daily_cap_on(limits, today, zone=zone)} messages today",
                    change="Nothing: the cap grows by itself; keep the first campaigns small",
                )
            )
        elif young:
            findings.append(
                Finding(
                    code="NEW_NUMBER_NO_WARMUP",
                    severity=Severity.DANGER,
                    points=20,
                    found=f"{sender.display_name} was connected less than {YOUNG_NUMBER_DAYS}"
                    f" days ago and may already send {sender.daily_cap} a day",
                    change="Give it a warm-up (warmup_days: 14) or a daily cap of 50 or less",
                )
            )
        if sender.quiet_start_minute is None:
            findings.append(
                Finding(
                    code="NO_QUIET_HOURS",
                    severity=Severity.INFO,
                    points=5,
                    found=f"{sender.display_name} sends at any hour, night included",
                    change="Set quiet hours on the number, such as 22:00 to 08:00",
                )
            )
    if history.attempted:
        share = history.gone_wrong / history.attempted
        if share >= 0.03:
            findings.append(
                Finding(
                    code="RECENT_FAILURES",
                    severity=Severity.DANGER if share >= 0.1 else Severity.WARNING,
                    points=20 if share >= 0.1 else 10,
                    found=f"{history.gone_wrong} of the {history.attempted} messages these"
                    f" numbers sent in the last {HISTORY_DAYS} days failed or were never"
                    " confirmed",
                    change="Look at the failed recipients' errors before sending more; pause"
                    " and slow down if WhatsApp refuses messages",
                )
            )
    return findings


def days_needed(senders: Sequence[Sender], pending: int, *, zone: ZoneInfo) -> int | None:
    """Days from today (today counts as one) the numbers need for ``pending`` messages at
    their caps, warm-up included; None when none of them may send."""
    able = [sender for sender in senders if sender.may_send]
    if not able:
        return None
    now = utc_now()
    today = now.astimezone(zone).date()
    # Today, what the caps still allow after today's sends; then each day's whole cap.
    left, day = pending, 0
    while left > 0 and day < MAX_DAYS:
        if day == 0:
            left -= sum(allowed_now(limits_of(s), state_of(s), zone=zone, now=now) for s in able)
        else:
            date = today + timedelta(days=day)
            left -= sum(daily_cap_on(limits_of(s), date, zone=zone) for s in able)
        day += 1
    return day


def _size(days: int | None, pending: int) -> Finding | None:
    if days is None or days <= 1:
        return None
    return Finding(
        code="SPANS_DAYS",
        severity=Severity.INFO,
        points=0,
        found=f"{pending} recipients take about {days} days at the numbers' daily caps",
        change="Nothing, if that suits you; more numbers shorten it, higher caps raise the risk",
    )


class PreflightService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.settings = settings
        self.repository = PreflightRepository(session)

    async def check(self, user: User, campaign_id: int) -> Preflight:
        campaign = await self.repository.get_or_404(campaign_id, owner_id=user.id)
        zone = ZoneInfo(user.time_zone or self.settings.user_time_zone)
        senders = await self.repository.senders_of(campaign.id)
        now = utc_now()
        recipients = await self.repository.recipient_history(
            campaign,
            present_since=present_since(self.settings, now=now),
            absent_since=absent_since(self.settings, now=now),
        )
        sends = await self.repository.send_history(
            [sender.id for sender in senders], since=now - timedelta(days=HISTORY_DAYS)
        )
        days = days_needed(senders, recipients.pending, zone=zone)
        found = [
            _pace(campaign, self.settings.pacing_jitter_ratio),
            *_text(campaign, self.settings.opt_out_keywords),
            *_recipients(recipients),
            *_numbers(senders, sends, zone=zone),
            _size(days, recipients.pending),
        ]
        findings = sorted(
            (finding for finding in found if finding is not None), key=lambda f: -f.points
        )
        score = min(100, sum(finding.points for finding in findings))
        return Preflight(
            campaign_id=campaign.id,
            score=score,
            level=level_of(score),
            recipients=recipients.pending,
            days_needed=days,
            findings=findings,
        )
