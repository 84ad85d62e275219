import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { UserRole, UserStatus } from '../../../client';

const STATUS_COLORS: Record<UserStatus, string> = { ACTIVE: 'teal.9', INACTIVE: 'gray.7', BANNED: 'red.9' };
const ROLE_COLORS: Record<UserRole, string> = { USER: 'gray.7', ADMIN: 'indigo.9', SUPER_ADMIN: 'grape.9' };

export function StatusBadge({ status }: { status: UserStatus }) {
  const { t } = useTranslation('adminUsers');
  return (
    <Badge color={STATUS_COLORS[status]} variant="filled" miw="max-content">
      {t(`status.${status}`)}
    </Badge>
  );
}

export function RoleBadge({ role }: { role: UserRole }) {
  const { t } = useTranslation('adminUsers');
  return (
    <Badge color={ROLE_COLORS[role]} variant="filled" miw="max-content">
      {t(`role.${role}`)}
    </Badge>
  );
}
