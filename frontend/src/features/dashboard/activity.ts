import type { Campaign } from '../../client';

export interface DayActivity {
  /** yyyy-mm-dd in the reader's time zone. */
  day: string;
  sent: number;
  failed: number;
}

const DAYS = 30;

function dayKey(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The last 30 days, each with what the campaigns started that day sent and failed. The API has
 * no per-day report, so a campaign counts whole on the day it started.
 */
export function activityByDay(campaigns: Campaign[], now: Date): DayActivity[] {
  const days = new Map<string, DayActivity>();
  for (let back = DAYS - 1; back >= 0; back -= 1) {
    const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() - back);
    days.set(dayKey(date), { day: dayKey(date), sent: 0, failed: 0 });
  }
  for (const campaign of campaigns) {
    const day = campaign.started_at ? days.get(dayKey(new Date(campaign.started_at))) : undefined;
    if (!day) continue;
    const { sent, delivered, read, failed } = campaign.counts;
    day.sent += sent + delivered + read;
    day.failed += failed;
  }
  return [...days.values()];
}
