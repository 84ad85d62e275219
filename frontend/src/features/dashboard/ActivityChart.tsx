import { BarChart } from '@mantine/charts';
import { Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MessageDayView } from '../../client';
import { directionOf } from '../../i18n';
import { formatDay, formatNumber } from '../../i18n/format';

/** Messages that reached WhatsApp and that failed, each day of the last 30 (GET /users/me/statistics). */
export function ActivityChart({ days }: { days: MessageDayView[] }) {
  const { t, i18n } = useTranslation('dashboard');
  const data = days.map((day) => ({
    label: formatDay(new Date(`${day.day}T12:00:00Z`), i18n.language),
    sent: day.sent,
    failed: day.failed,
  }));
  const empty = days.every((day) => day.sent === 0 && day.failed === 0);
  const rtl = directionOf(i18n.language) === 'rtl';
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="chart-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="chart-title">
          {t('chart.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {empty ? t('chart.empty') : t('chart.hint')}
        </Text>
        {!empty && (
          <BarChart
            h={240}
            data={data}
            dataKey="label"
            type="stacked"
            withLegend
            // Time runs the way the reader reads: right to left in Persian.
            xAxisProps={{ reversed: rtl }}
            yAxisProps={{ orientation: rtl ? 'right' : 'left' }}
            valueFormatter={(value) => formatNumber(value, i18n.language)}
            series={[
              { name: 'sent', label: t('chart.sent'), color: 'teal.7' },
              { name: 'failed', label: t('chart.failed'), color: 'red.7' },
            ]}
          />
        )}
      </Stack>
    </Paper>
  );
}
