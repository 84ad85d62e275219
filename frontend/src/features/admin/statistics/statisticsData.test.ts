import { numbersByProvider, peopleByDay, percent } from './statisticsData';

describe('statistics for the charts', () => {
  it('puts sign-ups and active users of each day in one row', () => {
    const days = ['2026-11-30', '2026-12-01'];
    expect(
      peopleByDay(
        days.map((day, index) => ({ day, count: index + 1 })),
        [{ day: '2026-12-01', count: 7 }],
      ),
    ).toEqual([
      { day: '2026-11-30', signups: 1, active: 0 },
      { day: '2026-12-01', signups: 2, active: 7 },
    ]);
  });

  it('counts each provider’s numbers as connected, linking or in trouble (suspended ones too)', () => {
    expect(
      numbersByProvider([
        { provider: 'web', status: 'CONNECTED', count: 4 },
        { provider: 'web', status: 'CONNECTED', suspended: true, count: 1 },
        { provider: 'web', status: 'LOGGED_OUT', count: 2 },
        { provider: 'cloud', status: 'LINKING', count: 3 },
        { provider: 'cloud', status: 'BANNED', count: 1 },
      ]),
    ).toEqual([
      { provider: 'cloud', connected: 0, linking: 3, trouble: 1 },
      { provider: 'web', connected: 4, linking: 0, trouble: 3 },
    ]);
  });

  it('writes a failure rate as a percentage', () => {
    expect(percent(0.125)).toBe(12.5);
    expect(percent(1 / 3)).toBe(33.3);
  });
});
