import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { PaymentStatus } from '../../client';

// The darkest shades: white on them passes WCAG AA contrast.
const COLORS: Record<PaymentStatus, string> = { PENDING: 'blue.9', PAID: 'teal.9', FAILED: 'red.9' };

export function PaymentStatusBadge({ status }: { status: PaymentStatus }) {
  const { t } = useTranslation('billing');
  return (
    <Badge color={COLORS[status]} variant="filled">
      {t(`payments.statuses.${status}`)}
    </Badge>
  );
}
