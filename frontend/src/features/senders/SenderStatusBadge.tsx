import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { SenderStatus } from '../../client';

// The darkest shades: white on them passes WCAG AA contrast.
const COLORS: Record<SenderStatus, string> = {
  LINKING: 'blue.9',
  CONNECTED: 'teal.9',
  DISCONNECTED: 'grape.9',
  LOGGED_OUT: 'gray.8',
  BANNED: 'red.9',
};

export function SenderStatusBadge({ status }: { status: SenderStatus }) {
  const { t } = useTranslation('senders');
  return (
    <Badge color={COLORS[status]} variant="filled">
      {t(`status.${status}`)}
    </Badge>
  );
}
