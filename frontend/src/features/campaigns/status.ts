import type { TFunction } from 'i18next';
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

// What the API writes when an admin stops a campaign (src/payam/admin/), each with the admin's words at the end.
const ADMIN_REASONS: [RegExp, string][] = [
  [/^Paused by an admin: (?<words>.*)$/s, 'pausedByAdmin'],
  [/^Cancelled by an admin: (?<words>.*)$/s, 'cancelledByAdmin'],
  [/^Paused: this account was banned(?:: (?<words>.*))?$/s, 'banned'],
  [/^Paused: this account was deactivated(?:: (?<words>.*))?$/s, 'deactivated'],
  [/^Paused: WhatsApp number (?<number>.+?) was suspended by an admin: (?<words>.*)$/s, 'numberSuspended'],
];

/** Why the campaign is in its status, in the reader's language where the API's words are known. */
export function describeStatusReason(reason: string, t: TFunction): string {
  const known = t('campaigns:reasons', { returnObjects: true }) as Record<string, string>;
  if (known[reason]) return known[reason];
  for (const [pattern, key] of ADMIN_REASONS) {
    const groups = pattern.exec(reason)?.groups;
    if (!groups) continue;
    const start = t(`campaigns:reasonStarts.${key}`, { number: groups.number });
    return groups.words ? `${start}: ${groups.words}` : start;
  }
  return reason;
}
