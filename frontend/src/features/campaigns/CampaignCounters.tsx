import { Paper, SimpleGrid, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Counts } from '../../client';
import { formatNumber } from '../../i18n/format';

const SHOWN: (keyof Counts)[] = ['total', 'pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'unknown'];

/** One tile per recipient state; screen readers hear changes as they come. */
export function CampaignCounters({ counts }: { counts: Counts }) {
  const { t, i18n } = useTranslation('campaigns');
  return (
    <SimpleGrid cols={{ base: 3, sm: 5, lg: 9 }} spacing="xs" aria-live="polite">
      {SHOWN.map((key) => (
        <Paper key={key} withBorder p="xs" radius="md" data-testid={`count-${key}`}>
          <Text size="xs" c="dimmed">
            {t(`counts.${key}`)}
          </Text>
          <Text fw={700} size="lg">
            {formatNumber(counts[key], i18n.language)}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}
