import { useQuery } from '@tanstack/react-query';
import { listImportsApiV1CampaignsCampaignIdImportsGetOptions } from '../../../client/@tanstack/react-query.gen';

/** The variables a message can use: the recipient's name and phone, and every column mapped at import. */
export function useMessageVariables(campaignId: number): string[] {
  const imports = useQuery(listImportsApiV1CampaignsCampaignIdImportsGetOptions({ path: { campaign_id: campaignId } }));
  const mapped = (imports.data ?? []).flatMap((view) => Object.keys(view.mapping?.variables ?? {}));
  return [...new Set(['name', 'phone', ...mapped])];
}
