import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CampaignStatus } from '../../client';
import { STATUS_COLORS } from './status';

export function CampaignStatusBadge({ status }: { status: CampaignStatus }) {
  const { t } = useTranslation('campaigns');
  return (
    <Badge color={STATUS_COLORS[status]} variant="dot">
      {t(`status.${status}`)}
    </Badge>
  );
}
