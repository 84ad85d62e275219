import type { Campaign } from '../../client';

/** A draft opens in the wizard; any other campaign on its own page. */
export function campaignPath(campaign: Pick<Campaign, 'id' | 'status'>): string {
  return campaign.status === 'DRAFT' ? `/campaigns/${campaign.id}/edit` : `/campaigns/${campaign.id}`;
}
