import { useSyncExternalStore } from 'react';
import type { Campaign } from '../../../client';
import { liveSnapshot, subscribeLive, type LiveSnapshot } from './liveConnection';
import type { ProgressSample } from './liveState';

/** Every campaign's latest state pushed by the server, while the calling screen is shown. */
export function useLiveCampaigns(): LiveSnapshot {
  return useSyncExternalStore(subscribeLive, liveSnapshot);
}

const NO_SAMPLES: readonly ProgressSample[] = [];

/**
 * The campaign as read from the API, with its status and counts replaced by the pushed ones
 * when those are newer; and the chart points recorded since the screen opened.
 */
export function withLiveState(campaign: Campaign, live: LiveSnapshot): { campaign: Campaign; samples: readonly ProgressSample[] } {
  const pushed = live.state.campaigns.get(campaign.id);
  const samples = live.state.samples.get(campaign.id) ?? NO_SAMPLES;
  if (!pushed?.updated_at || Date.parse(pushed.updated_at) < Date.parse(campaign.updated_at)) {
    return { campaign, samples };
  }
  return {
    campaign: {
      ...campaign,
      status: pushed.status,
      status_reason: pushed.status_reason,
      counts: pushed.counts,
      started_at: pushed.started_at,
      completed_at: pushed.completed_at,
    },
    samples,
  };
}
