import { Button, Card, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Package } from '../../client';
import { formatNumber } from '../../i18n/format';

interface Props {
  pkg: Package;
  buying: boolean;
  onBuy: () => void;
}

export function PackageCard({ pkg, buying, onBuy }: Props) {
  const { t, i18n } = useTranslation('billing');
  const n = (value: number | string) => formatNumber(value, i18n.language);
  return (
    <Card withBorder radius="md" component="article" aria-label={pkg.title}>
      <Stack gap="xs" h="100%">
        <Text fw={700} size="lg">
          {pkg.title}
        </Text>
        {pkg.description && <Text size="sm">{pkg.description}</Text>}
        <Text>{t('packages.messages', { value: n(pkg.message_limit) })}</Text>
        <Text>{t('packages.days', { value: n(pkg.duration_days) })}</Text>
        <Text fw={700} size="xl" mt="auto">
          {t('packages.price', { amount: n(pkg.price_toman) })}
        </Text>
        <Button onClick={onBuy} loading={buying} aria-label={t('packages.buyLabel', { title: pkg.title })}>
          {t('packages.buy')}
        </Button>
      </Stack>
    </Card>
  );
}
