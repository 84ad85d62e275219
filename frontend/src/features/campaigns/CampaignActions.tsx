import { Button, Group } from '@mantine/core';
import { IconCopy, IconPlayerPause, IconPlayerPlay, IconPlayerStop, IconPencil, IconRepeat, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Campaign } from '../../client';
import { ConfirmButton } from './ConfirmButton';
import { actionsFor } from './status';
import { useCampaignAction } from './useCampaignActions';

/** The buttons for what can be done to the campaign now. */
export function CampaignActions({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const action = useCampaignAction(campaign.id);
  const retryable = campaign.counts.failed + campaign.counts.unknown > 0;
  const busy = (name: string) => action.isPending && action.variables === name;
  const actions = actionsFor(campaign.status, retryable);
  return (
    <Group gap="xs">
      {actions.includes('edit') && (
        <Button component={Link} to={`/campaigns/${campaign.id}/edit`} leftSection={<IconPencil size={16} aria-hidden />}>
          {t('actions.edit')}
        </Button>
      )}
      {actions.includes('pause') && (
        <Button variant="default" loading={busy('pause')} onClick={() => action.mutate('pause')} leftSection={<IconPlayerPause size={16} aria-hidden />}>
          {t('actions.pause')}
        </Button>
      )}
      {actions.includes('resume') && (
        <Button loading={busy('resume')} onClick={() => action.mutate('resume')} leftSection={<IconPlayerPlay size={16} aria-hidden />}>
          {t('actions.resume')}
        </Button>
      )}
      {actions.includes('retry') && (
        <Button variant="default" loading={busy('retry')} onClick={() => action.mutate('retry')} leftSection={<IconRepeat size={16} aria-hidden />}>
          {t('actions.retry')}
        </Button>
      )}
      {actions.includes('duplicate') && (
        <Button variant="default" loading={busy('duplicate')} onClick={() => action.mutate('duplicate')} leftSection={<IconCopy size={16} aria-hidden />}>
          {t('actions.duplicate')}
        </Button>
      )}
      {actions.includes('cancel') && (
        <ConfirmButton variant="default" c="red.9" color="red" loading={busy('cancel')} question={t('actions.cancelConfirm')} onConfirm={() => action.mutate('cancel')} leftSection={<IconPlayerStop size={16} aria-hidden />}>
          {t('actions.cancel')}
        </ConfirmButton>
      )}
      {actions.includes('delete') && (
        <ConfirmButton variant="default" c="red.9" color="red" loading={busy('delete')} question={t('actions.deleteConfirm')} onConfirm={() => action.mutate('delete')} leftSection={<IconTrash size={16} aria-hidden />}>
          {t('actions.delete')}
        </ConfirmButton>
      )}
    </Group>
  );
}
