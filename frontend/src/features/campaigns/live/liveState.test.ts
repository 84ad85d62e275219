import type { Counts } from '../../../client';
import { applyLiveMessage, doneCount, emptyLiveState, type LiveCampaign } from './liveState';

function counts(partial: Partial<Counts>): Counts {
  const base = { pending: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, unknown: 0 };
  const all = { ...base, ...partial };
  return { ...all, total: Object.values(all).reduce((sum, value) => sum + value, 0) };
}

function state(version: number, partial: Partial<Counts>): LiveCampaign {
  return {
    campaign_id: 7,
    status: 'RUNNING',
    status_reason: null,
    counts: counts(partial),
    started_at: null,
    completed_at: null,
    updated_at: null,
    version,
  };
}

describe('live campaign state', () => {
  it('keeps the state with the highest version, whatever the order of arrival', () => {
    let live = applyLiveMessage(emptyLiveState, { type: 'campaign.progress', ...state(3, { sent: 2, pending: 1 }) }, 1);
    live = applyLiveMessage(live, { type: 'campaign.progress', ...state(2, { sent: 1, pending: 2 }) }, 2);
    expect(live.campaigns.get(7)?.version).toBe(3);
    expect(live.samples.get(7)).toEqual([{ at: 1, sent: 2, delivered: 0, failed: 0 }]);
  });

  it('takes a snapshot and records a chart point only when the counts move', () => {
    let live = applyLiveMessage(emptyLiveState, { type: 'snapshot', campaigns: [state(1, { pending: 3 })] }, 1);
    live = applyLiveMessage(live, { type: 'campaign.status', ...state(2, { pending: 3 }) }, 2);
    live = applyLiveMessage(live, { type: 'campaign.progress', ...state(3, { delivered: 1, failed: 1, pending: 1 }) }, 3);
    expect(live.samples.get(7)).toEqual([
      { at: 1, sent: 0, delivered: 0, failed: 0 },
      { at: 3, sent: 1, delivered: 1, failed: 1 },
    ]);
  });

  it('ignores heartbeats', () => {
    expect(applyLiveMessage(emptyLiveState, { type: 'ping' }, 1)).toBe(emptyLiveState);
  });

  it('counts as done every recipient neither waiting nor on its way', () => {
    expect(doneCount(counts({ pending: 2, sending: 1, read: 3, skipped: 1 }))).toBe(4);
  });
});
