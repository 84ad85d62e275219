import type { CampaignStatus, RecipientStatus } from '../../client';

export const STATUS_COLORS: Record<CampaignStatus, string> = {
  DRAFT: 'gray',
  READY: 'indigo',
  RUNNING: 'blue',
  PAUSED: 'yellow',
  COMPLETED: 'teal',
  FAILED: 'red',
  CANCELLED: 'dark',
};

export const RECIPIENT_STATUSES: RecipientStatus[] = [
  'PENDING',
  'SENDING',
  'SENT',
  'DELIVERED',
  'READ',
  'FAILED',
  'SKIPPED',
  'UNKNOWN',
];

export const RECIPIENT_COLORS: Record<RecipientStatus, string> = {
  PENDING: 'gray',
  SENDING: 'blue',
  SENT: 'cyan',
  DELIVERED: 'teal',
  READ: 'green',
  FAILED: 'red',
  SKIPPED: 'orange',
  UNKNOWN: 'yellow',
};

export type CampaignAction = 'edit' | 'pause' | 'resume' | 'cancel' | 'duplicate' | 'retry' | 'delete';

const FINISHED: CampaignStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export function isFinished(status: CampaignStatus): boolean {
  return FINISHED.includes(status);
}

/** What the API lets one do to a campaign in this status (docs/api.md, "Campaigns"). */
export function actionsFor(status: CampaignStatus, hasRetryable: boolean): CampaignAction[] {
  switch (status) {
    case 'DRAFT':
      return ['edit', 'delete'];
    case 'READY':
      return ['pause', 'cancel'];
    case 'RUNNING':
      return ['pause', 'cancel'];
    case 'PAUSED':
      return hasRetryable ? ['resume', 'cancel', 'retry'] : ['resume', 'cancel'];
    default:
      return hasRetryable ? ['duplicate', 'retry', 'delete'] : ['duplicate', 'delete'];
  }
}
