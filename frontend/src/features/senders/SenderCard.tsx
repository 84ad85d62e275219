import { Card, Group, Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Sender } from '../../client';
import { formatDateTime, formatNumber } from '../../i18n/format';
import { EditSenderButton } from './EditSenderButton';
import { SenderStatusBadge } from './SenderStatusBadge';
import { UnlinkSenderButton } from './UnlinkSenderButton';
import { WebLinkButton } from './WebLinkButton';

/** One number: its status, what it sent today against its cap, its limits, and its actions. */
export function SenderCard({ sender }: { sender: Sender }) {
  const { t, i18n } = useTranslation('senders');
  const n = (value: number) => formatNumber(value, i18n.language);
  const quiet = sender.quiet_hours;
  return (
    <Card withBorder radius="md" component="article" aria-label={sender.display_name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Stack gap={0}>
            <Text fw={700}>{sender.display_name}</Text>
            {sender.phone && (
              <Text size="sm" c="dimmed" dir="ltr" ta="start">
                {sender.phone}
              </Text>
            )}
          </Stack>
          <SenderStatusBadge status={sender.status} />
        </Group>
        {sender.status_reason && <Text size="sm">{sender.status_reason}</Text>}
        <Text size="sm">{t('card.sentToday', { sent: n(sender.sent_today), cap: n(sender.daily_cap) })}</Text>
        <Progress value={Math.min(100, (100 * sender.sent_today) / sender.daily_cap)} aria-hidden />
        <Text size="sm" c="dimmed">
          {quiet ? t('card.quietHours', { start: quiet.start, end: quiet.end }) : t('card.noQuietHours')}
        </Text>
        <Text size="sm" c="dimmed">
          {sender.pause_every
            ? t('card.pause', { every: n(sender.pause_every), seconds: n(sender.pause_seconds) })
            : t('card.noPause')}
        </Text>
        {sender.next_send_at && (
          <Text size="sm" c="dimmed">
            {t('card.nextSend', { time: formatDateTime(sender.next_send_at, i18n.language) })}
          </Text>
        )}
        <Group gap="xs">
          {sender.provider === 'web' && sender.status !== 'CONNECTED' && <WebLinkButton sender={sender} />}
          <EditSenderButton sender={sender} />
          <UnlinkSenderButton sender={sender} />
        </Group>
      </Stack>
    </Card>
  );
}
