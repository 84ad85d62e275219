import { Anchor, Badge, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { UserRow, UserSort } from '../../../client';
import { formatDate, formatDateTime, formatNumber } from '../../../i18n/format';
import { RoleBadge, StatusBadge } from './UserBadges';
import type { UserFilters } from './userFilters';

interface Props {
  users: UserRow[];
  filters: UserFilters;
  onSort: (column: UserSort) => void;
}

/** A column's heading that sorts the table by it, saying how it is sorted now. */
function SortableTh({ column, filters, onSort, children }: { column: UserSort; filters: UserFilters; onSort: (column: UserSort) => void; children: string }) {
  const { t } = useTranslation('adminUsers');
  const active = filters.sort === column;
  const Icon = active ? (filters.order === 'asc' ? IconArrowUp : IconArrowDown) : IconSelector;
  return (
    <Table.Th aria-sort={active ? (filters.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => onSort(column)} aria-label={t('table.sortBy', { column: children })} style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontWeight: 700, fontSize: 'inherit' }}>
        {children}
        <Icon size={14} aria-hidden />
      </UnstyledButton>
    </Table.Th>
  );
}

export function UserTable({ users, filters, onSort }: Props) {
  const { t, i18n } = useTranslation('adminUsers');
  const language = i18n.language;
  const th = (column: UserSort, key: string) => (
    <SortableTh column={column} filters={filters} onSort={onSort}>
      {t(`table.${key}`)}
    </SortableTh>
  );
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped highlightOnHover verticalSpacing="xs">
        <Table.Caption>{t('table.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {th('name', 'name')}
            {th('email', 'email')}
            {th('phone', 'phone')}
            {th('role', 'role')}
            {th('status', 'status')}
            {th('subscription_expires_at', 'subscription')}
            {th('last_login_at', 'lastSignIn')}
            {th('messages_this_month', 'messages')}
            {th('created_at', 'joined')}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {users.map((user) => (
            <Table.Tr key={user.id}>
              <Table.Td>
                <Anchor component={Link} to={`/admin/users/${user.id}`} fw={600}>
                  {user.name}
                </Anchor>
                {user.username && (
                  <Text size="xs" c="dimmed" dir="ltr" ta="start">
                    @{user.username}
                  </Text>
                )}
              </Table.Td>
              <Table.Td dir="ltr">{user.email ?? '—'}</Table.Td>
              <Table.Td dir="ltr">{user.phone ?? '—'}</Table.Td>
              <Table.Td>
                <RoleBadge role={user.role} />
              </Table.Td>
              <Table.Td>
                <StatusBadge status={user.status} />
              </Table.Td>
              <Table.Td>
                {user.subscription_expires_at ? (
                  <Badge variant="filled" miw="max-content" color={user.subscription_active ? 'teal.9' : 'gray.7'}>
                    {t(user.subscription_active ? 'table.until' : 'table.ended', { date: formatDate(user.subscription_expires_at, language) })}
                  </Badge>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t('subscription.NONE')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{user.last_login_at ? formatDateTime(user.last_login_at, language) : t('table.never')}</Table.Td>
              <Table.Td>{formatNumber(user.messages_this_month, language)}</Table.Td>
              <Table.Td>{formatDate(user.created_at, language)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
