import type { Campaign } from '../../client';
import { activityByDay } from './activity';

function campaign(startedAt: string | null, sent: number, failed: number): Campaign {
  const counts = { total: sent + failed, pending: 0, sending: 0, sent, delivered: 1, read: 1, failed, skipped: 0, unknown: 0 };
  return { started_at: startedAt, counts } as Campaign;
}

describe('activityByDay', () => {
  it('has the last 30 days, each campaign counted on the day it started', () => {
    const now = new Date(2026, 11, 1, 12);
    const days = activityByDay(
      [campaign(new Date(2026, 11, 1, 9).toISOString(), 5, 2), campaign(new Date(2026, 10, 30, 9).toISOString(), 1, 0), campaign(null, 9, 9)],
      now,
    );
    expect(days).toHaveLength(30);
    expect(days[0]?.day).toBe('2026-11-02');
    expect(days[29]).toEqual({ day: '2026-12-01', sent: 7, failed: 2 });
    expect(days[28]).toEqual({ day: '2026-11-30', sent: 3, failed: 0 });
  });

  it('leaves out campaigns started before the window', () => {
    const days = activityByDay([campaign(new Date(2026, 9, 1).toISOString(), 5, 0)], new Date(2026, 11, 1));
    expect(days.every((day) => day.sent === 0)).toBe(true);
  });
});
