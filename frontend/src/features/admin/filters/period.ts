/** How far back an admin screen looks: the choices, and the moment or the days each one means. */
export const PERIODS = ['day', 'week', 'month', 'quarter', 'year', 'all'] as const;
export type Period = (typeof PERIODS)[number];
export type DayPeriod = Exclude<Period, 'all'>;
export const DAY_PERIODS: DayPeriod[] = ['day', 'week', 'month', 'quarter', 'year'];

const DAYS: Record<DayPeriod, number> = { day: 1, week: 7, month: 30, quarter: 90, year: 365 };
const DAY_MS = 86_400_000;

export function periodOf<P extends Period>(value: string | null, allowed: readonly P[], fallback: P): P {
  return allowed.find((period) => period === value) ?? fallback;
}

/** The moment a period began, looking back from `now`; none for all time. */
export function periodStart(period: Period, now: Date): string | undefined {
  return period === 'all' ? undefined : new Date(now.getTime() - DAYS[period] * DAY_MS).toISOString();
}

/**
 * The UTC days a period covers, today included: the statistics' `since` and `until` (the API
 * counts by UTC day).
 */
export function periodDays(period: DayPeriod, now: Date): { since: string; until: string } {
  const utcDay = (moment: Date) => moment.toISOString().slice(0, 10);
  return { since: utcDay(new Date(now.getTime() - (DAYS[period] - 1) * DAY_MS)), until: utcDay(now) };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days a screen shows: the two chosen days (`from` and `to`, both included) when both are
 * valid and in order, else the period's days up to today.
 */
export function chosenDays(from: string | null, to: string | null, period: DayPeriod, now: Date): { since: string; until: string } {
  const valid = (day: string | null): day is string => day !== null && DAY.test(day) && !Number.isNaN(Date.parse(day));
  return valid(from) && valid(to) && from <= to ? { since: from, until: to } : periodDays(period, now);
}
