import { Button, Group, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** Download links for the report; the file streams straight from the API with the session cookie. */
export function ExportButtons({ campaignId }: { campaignId: number }) {
  const { t } = useTranslation('campaigns');
  const href = (format: 'csv' | 'xlsx') => `/api/v1/campaigns/${campaignId}/export?format=${format}`;
  return (
    <Group gap="xs">
      <Text size="sm" fw={600}>
        {t('export.title')}
      </Text>
      {(['csv', 'xlsx'] as const).map((format) => (
        <Button key={format} component="a" href={href(format)} download variant="default" size="xs" leftSection={<IconDownload size={14} aria-hidden />}>
          {t(`export.${format}`)}
        </Button>
      ))}
    </Group>
  );
}
