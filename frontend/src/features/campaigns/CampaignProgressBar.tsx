import { Group, Progress, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Counts } from '../../client';
import { formatNumber } from '../../i18n/format';
import { doneCount } from './live/liveState';

/** How many recipients have an outcome, as a bar and in words. */
export function CampaignProgressBar({ counts, size = 'md' }: { counts: Counts; size?: 'sm' | 'md' | 'lg' }) {
  const { t, i18n } = useTranslation('campaigns');
  const done = doneCount(counts);
  const percent = counts.total === 0 ? 0 : Math.round((done / counts.total) * 100);
  const words = t('progress.done', {
    done: formatNumber(done, i18n.language),
    total: formatNumber(counts.total, i18n.language),
  });
  return (
    <div>
      <Progress value={percent} size={size} aria-label={t('progress.label')} />
      <Group justify="space-between" mt={4}>
        <Text size="xs" c="dimmed">
          {words}
        </Text>
        <Text size="xs" c="dimmed">
          {t('progress.percent', { value: formatNumber(percent, i18n.language) })}
        </Text>
      </Group>
    </div>
  );
}
