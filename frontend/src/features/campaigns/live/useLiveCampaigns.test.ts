import type { Campaign, Counts } from '../../../client';
import type { LiveSnapshot } from './liveConnection';
import { withLiveState } from './useLiveCampaigns';

const counts = (pending: number, sent: number): Counts => ({
  total: pending + sent,
  pending,
  sending: 0,
  sent,
  delivered: 0,
  read: 0,
  failed: 0,
  skipped: 0,
  unknown: 0,
});

const campaign = { id: 4, status: 'RUNNING', counts: counts(3, 0), updated_at: '2026-12-01T10:00:05Z' } as Campaign;

function pushed(updatedAt: string): LiveSnapshot {
  const state = {
    campaign_id: 4,
    status: 'COMPLETED' as const,
    status_reason: null,
    counts: counts(0, 3),
    started_at: null,
    completed_at: '2026-12-01T10:00:09Z',
    updated_at: updatedAt,
    version: 9,
  };
  return { connected: true, state: { campaigns: new Map([[4, state]]), samples: new Map() } };
}

describe('a campaign with its pushed state', () => {
  it('shows the pushed status and counts when they are newer than what was read', () => {
    const shown = withLiveState(campaign, pushed('2026-12-01T10:00:09Z')).campaign;
    expect(shown.status).toBe('COMPLETED');
    expect(shown.counts.sent).toBe(3);
    expect(shown.completed_at).toBe('2026-12-01T10:00:09Z');
  });

  it('keeps what was read when the push is older', () => {
    expect(withLiveState(campaign, pushed('2026-12-01T10:00:01Z')).campaign).toBe(campaign);
  });
});
