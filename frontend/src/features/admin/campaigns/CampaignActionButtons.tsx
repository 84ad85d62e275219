import { Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CampaignRow } from '../../../client';
import { ConfirmWithReason } from '../components/ConfirmWithReason';
import { useCampaignActions } from './useOversight';

const PAUSABLE = ['RUNNING', 'READY'];
const FINISHED = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** Pause or cancel anyone's campaign, with a reason its owner sees beside the new status. */
export function CampaignActionButtons({ campaign }: { campaign: CampaignRow }) {
  const { t } = useTranslation('adminCampaigns');
  const actions = useCampaignActions();
  const title = campaign.title ?? t('campaigns.untitled', { id: campaign.id });
  return (
    <Group gap="xs" wrap="nowrap">
      {PAUSABLE.includes(campaign.status) && (
        <ConfirmWithReason
          label={t('campaigns.pause')}
          ariaLabel={t('campaigns.pauseLabel', { title })}
          button={{ color: 'yellow' }}
          title={t('campaigns.pauseTitle', { title })}
          body={t('campaigns.pauseBody')}
          confirmLabel={t('campaigns.pause')}
          done={t('campaigns.paused', { title })}
          onConfirm={(reason) => actions.pause(campaign.id, reason)}
        />
      )}
      {!FINISHED.includes(campaign.status) && (
        <ConfirmWithReason
          label={t('campaigns.cancel')}
          ariaLabel={t('campaigns.cancelLabel', { title })}
          button={{ color: 'red', variant: 'subtle' }}
          title={t('campaigns.cancelTitle', { title })}
          body={t('campaigns.cancelBody')}
          confirmLabel={t('campaigns.cancel')}
          done={t('campaigns.cancelled', { title })}
          onConfirm={(reason) => actions.cancel(campaign.id, reason)}
        />
      )}
    </Group>
  );
}
