import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Campaign, RetryDraft } from '../../client';
import {
  cancelCampaignApiV1CampaignsCampaignIdCancelPost,
  deleteCampaignApiV1CampaignsCampaignIdDelete,
  duplicateCampaignApiV1CampaignsCampaignIdDuplicatePost,
  pauseCampaignApiV1CampaignsCampaignIdPausePost,
  resumeCampaignApiV1CampaignsCampaignIdResumePost,
  retryCampaignApiV1CampaignsCampaignIdRetryPost,
} from '../../client';
import { describeError } from '../../api/describeError';
import { formatNumber } from '../../i18n/format';
import { campaignPath } from './paths';
import type { CampaignAction } from './status';

type RunnableAction = Exclude<CampaignAction, 'edit'>;

async function run(action: RunnableAction, campaignId: number): Promise<Campaign | RetryDraft | null> {
  const options = { path: { campaign_id: campaignId } };
  switch (action) {
    case 'pause':
      return (await pauseCampaignApiV1CampaignsCampaignIdPausePost(options)).data;
    case 'resume':
      return (await resumeCampaignApiV1CampaignsCampaignIdResumePost(options)).data;
    case 'cancel':
      return (await cancelCampaignApiV1CampaignsCampaignIdCancelPost(options)).data;
    case 'duplicate':
      return (await duplicateCampaignApiV1CampaignsCampaignIdDuplicatePost(options)).data;
    case 'retry':
      return (await retryCampaignApiV1CampaignsCampaignIdRetryPost(options)).data;
    case 'delete':
      await deleteCampaignApiV1CampaignsCampaignIdDelete(options);
      return null;
  }
}

/** Pause, resume, cancel, duplicate, retry or delete; a copy opens in the wizard. */
export function useCampaignAction(campaignId: number) {
  const { t, i18n } = useTranslation('campaigns');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notify = (color: string, message: string) =>
    notifications.show({ color, message, closeButtonProps: { 'aria-label': t('actions.dismiss') } });
  return useMutation({
    mutationFn: (action: RunnableAction) => run(action, campaignId),
    onSuccess: async (campaign, action) => {
      await queryClient.invalidateQueries();
      if (action === 'delete') {
        void navigate('/campaigns');
        return;
      }
      if (campaign && 'may_have_received' in campaign && campaign.may_have_received > 0) {
        notify('yellow', t('actions.retryUnknown', { formatted: formatNumber(campaign.may_have_received, i18n.language) }));
      }
      // The new status shows on the page itself; a copy opens where it is prepared.
      if (campaign && campaign.id !== campaignId) void navigate(campaignPath(campaign));
    },
    onError: (error) => notify('red', describeError(error, t)),
  });
}
