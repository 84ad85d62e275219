import { useMutation, useQueryClient } from '@tanstack/react-query';
import { updateCampaignApiV1CampaignsCampaignIdPatch, type CampaignUpdate } from '../../../client';
import {
  previewCampaignApiV1CampaignsCampaignIdPreviewGetQueryKey,
  readCampaignApiV1CampaignsCampaignIdGetQueryKey,
} from '../../../client/@tanstack/react-query.gen';

/** Saves a change to the draft; the campaign and its previews are then read from the answer. */
export function useDraftUpdate(campaignId: number) {
  const queryClient = useQueryClient();
  const path = { campaign_id: campaignId };
  return useMutation({
    mutationFn: async (body: CampaignUpdate) => (await updateCampaignApiV1CampaignsCampaignIdPatch({ path, body })).data,
    onSuccess: (campaign) => {
      queryClient.setQueryData(readCampaignApiV1CampaignsCampaignIdGetQueryKey({ path }), campaign);
      void queryClient.invalidateQueries({ queryKey: previewCampaignApiV1CampaignsCampaignIdPreviewGetQueryKey({ path }) });
    },
  });
}
