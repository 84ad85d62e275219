import { Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Campaign } from '../../client';
import { formatDateTime } from '../../i18n/format';

/** When it starts, started, should finish and finished, as far as known. */
export function CampaignTimes({ campaign }: { campaign: Campaign }) {
  const { t, i18n } = useTranslation('campaigns');
  const at = (value: string) => formatDateTime(value, i18n.language);
  const lines = [
    campaign.status === 'READY' && campaign.scheduled_at ? t('progress.scheduled', { at: at(campaign.scheduled_at) }) : null,
    campaign.started_at ? t('progress.started', { at: at(campaign.started_at) }) : null,
    campaign.status === 'RUNNING' && campaign.estimated_finish_at ? t('progress.estimated', { at: at(campaign.estimated_finish_at) }) : null,
    campaign.completed_at ? t('progress.completed', { at: at(campaign.completed_at) }) : null,
  ].filter((line): line is string => line !== null);
  return (
    <Group gap="lg">
      {lines.map((line) => (
        <Text key={line} size="sm" c="dimmed">
          {line}
        </Text>
      ))}
    </Group>
  );
}
