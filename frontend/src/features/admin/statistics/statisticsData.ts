import type { DayCount, PlatformStatistics, Ranked } from '../../../client';

/** One row of a per-day chart: the day (`YYYY-MM-DD`, UTC) and a figure per series. */
export type DayRow = { day: string } & Record<string, number | string>;

/** Sign-ups and active users side by side, day by day (both series cover the same days). */
export function peopleByDay(signups: DayCount[], active: DayCount[]): DayRow[] {
  const activeOn = new Map(active.map((entry) => [entry.day, entry.count]));
  return signups.map((entry) => ({ day: entry.day, signups: entry.count, active: activeOn.get(entry.day) ?? 0 }));
}

/** Revenue per day as numbers a chart can draw (the API sends amounts as exact decimal strings). */
export function revenueByDay(statistics: PlatformStatistics): DayRow[] {
  return statistics.revenue.days.map((entry) => ({ day: entry.day, amount: Number(entry.amount) }));
}

export type NumberHealth = 'connected' | 'linking' | 'trouble';

/** How a number stands for an operator: connected, still linking, or in trouble (needs a look). */
export function numberHealth(status: string, suspended = false): NumberHealth {
  if (suspended) return 'trouble';
  if (status === 'CONNECTED') return 'connected';
  return status === 'LINKING' ? 'linking' : 'trouble';
}

export interface ProviderSummary {
  provider: string;
  connected: number;
  linking: number;
  trouble: number;
}

/** The numbers of each provider, counted by how they stand. */
export function numbersByProvider(rows: { provider: string; status: string; count: number; suspended?: boolean }[]): ProviderSummary[] {
  const summaries = new Map<string, ProviderSummary>();
  for (const row of rows) {
    const summary = summaries.get(row.provider) ?? { provider: row.provider, connected: 0, linking: 0, trouble: 0 };
    summary[numberHealth(row.status, row.suspended)] += row.count;
    summaries.set(row.provider, summary);
  }
  return [...summaries.values()].sort((a, b) => a.provider.localeCompare(b.provider));
}

/** A failure rate (0 to 1) as a percentage with one decimal, e.g. 0.125 → 12.5. */
export function percent(rate: Ranked['failure_rate']): number {
  return Math.round(rate * 1000) / 10;
}
