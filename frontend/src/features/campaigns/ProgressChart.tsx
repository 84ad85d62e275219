import { AreaChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Paper, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/format';
import type { ProgressSample } from './live/liveState';

function timeOf(at: number, language: string): string {
  const locale = language === 'fa' ? 'fa-IR' : 'en-GB';
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(at);
}

/** Recipients sent, delivered and failed over time, as the live updates brought them. */
export function ProgressChart({ samples }: { samples: readonly ProgressSample[] }) {
  const { t, i18n } = useTranslation('campaigns');
  const data = samples.map((sample) => ({ ...sample, time: timeOf(sample.at, i18n.language) }));
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={2} size="h4" mb="sm">
        {t('progress.chartTitle')}
      </Title>
      {data.length < 2 ? (
        <Text c="dimmed" size="sm">
          {t('progress.chartEmpty')}
        </Text>
      ) : (
        <AreaChart
          h={220}
          data={data}
          dataKey="time"
          curveType="monotone"
          withDots={false}
          yAxisProps={{ allowDecimals: false }}
          valueFormatter={(value) => formatNumber(value, i18n.language)}
          series={[
            { name: 'sent', label: t('progress.sent'), color: 'cyan.6' },
            { name: 'delivered', label: t('progress.delivered'), color: 'teal.6' },
            { name: 'failed', label: t('progress.failed'), color: 'red.6' },
          ]}
          withLegend
        />
      )}
    </Paper>
  );
}
