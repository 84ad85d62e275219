import type { CampaignStatus, Counts } from '../../../client';

/** A campaign's state as the WebSocket carries it (docs/api.md, "Live progress"). */
export interface LiveCampaign {
  campaign_id: number;
  status: CampaignStatus;
  status_reason: string | null;
  counts: Counts;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string | null;
  version: number;
}

/** One point of the progress chart: how many recipients had reached each outcome at `at`. */
export interface ProgressSample {
  at: number;
  sent: number;
  delivered: number;
  failed: number;
}

export interface LiveState {
  campaigns: ReadonlyMap<number, LiveCampaign>;
  samples: ReadonlyMap<number, readonly ProgressSample[]>;
}

export type LiveMessage =
  | { type: 'snapshot'; campaigns: LiveCampaign[] }
  | ({ type: 'campaign.progress' | 'campaign.status' } & LiveCampaign)
  | { type: 'ping' | 'pong' | 'resync' };

const MAX_SAMPLES = 500;

export const emptyLiveState: LiveState = { campaigns: new Map(), samples: new Map() };

/** Recipients past a message's send, by their furthest outcome (a delivered one was sent too). */
export function sampleOf(counts: Counts, at: number): ProgressSample {
  return {
    at,
    sent: counts.sent + counts.delivered + counts.read,
    delivered: counts.delivered + counts.read,
    failed: counts.failed + counts.skipped + counts.unknown,
  };
}

/** Recipients whose outcome is known: neither waiting nor on their way. */
export function doneCount(counts: Counts): number {
  return counts.total - counts.pending - counts.sending;
}

function sameSample(a: ProgressSample | undefined, b: ProgressSample): boolean {
  return a !== undefined && a.sent === b.sent && a.delivered === b.delivered && a.failed === b.failed;
}

function withCampaign(state: LiveState, campaign: LiveCampaign, at: number): LiveState {
  const known = state.campaigns.get(campaign.campaign_id);
  // The database raises `version` with every change: an older state never replaces a newer one.
  if (known && known.version >= campaign.version) return state;
  const campaigns = new Map(state.campaigns).set(campaign.campaign_id, campaign);
  const history = state.samples.get(campaign.campaign_id) ?? [];
  const sample = sampleOf(campaign.counts, at);
  if (sameSample(history.at(-1), sample)) return { campaigns, samples: state.samples };
  const samples = new Map(state.samples).set(campaign.campaign_id, [...history, sample].slice(-MAX_SAMPLES));
  return { campaigns, samples };
}

/** The state after one message from the server; `at` is when it arrived (ms). */
export function applyLiveMessage(state: LiveState, message: LiveMessage, at: number): LiveState {
  switch (message.type) {
    case 'snapshot':
      return message.campaigns.reduce((next, campaign) => withCampaign(next, campaign, at), state);
    case 'campaign.progress':
    case 'campaign.status':
      return withCampaign(state, message, at);
    default:
      return state;
  }
}
