import { Button, Group, NumberInput, Select, SimpleGrid, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SIGN_IN_WINDOWS, SUBSCRIPTION_STATES, USER_ROLES, USER_STATUSES, type UserFilters } from './userFilters';

interface Props {
  filters: UserFilters;
  onChange: (filters: UserFilters) => void;
}

function count(value: string | number): number | null {
  return typeof value === 'number' ? value : null;
}

/** Search by name, username, e-mail or phone, and narrow by status, role, subscription and activity. */
export function UserFilterBar({ filters, onChange }: Props) {
  const { t } = useTranslation('adminUsers');
  const [q, setQ] = useState(filters.q);
  const change = (patch: Partial<UserFilters>) => onChange({ ...filters, ...patch, page: 1 });
  const options = <T extends string>(values: readonly T[], group: string) =>
    values.map((value) => ({ value, label: t(`${group}.${value}`) }));
  return (
    <form
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        change({ q });
      }}
    >
      <Group align="flex-end" gap="xs" mb="sm">
        <TextInput
          flex={1}
          miw={220}
          label={t('filters.search')}
          placeholder={t('filters.searchHint')}
          value={q}
          onChange={(event) => setQ(event.currentTarget.value)}
          maxLength={100}
        />
        <Button type="submit" leftSection={<IconSearch size={16} aria-hidden />}>
          {t('filters.searchButton')}
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }} spacing="xs">
        <Select label={t('filters.status')} placeholder={t('filters.all')} clearable data={options(USER_STATUSES, 'status')} value={filters.status} onChange={(value) => change({ status: value as UserFilters['status'] })} />
        <Select label={t('filters.role')} placeholder={t('filters.all')} clearable data={options(USER_ROLES, 'role')} value={filters.role} onChange={(value) => change({ role: value as UserFilters['role'] })} />
        <Select
          label={t('filters.subscription')}
          placeholder={t('filters.all')}
          clearable
          data={options(SUBSCRIPTION_STATES, 'subscription')}
          value={filters.subscription}
          onChange={(value) => change({ subscription: value as UserFilters['subscription'] })}
        />
        <Select
          label={t('filters.signedIn')}
          allowDeselect={false}
          data={options(SIGN_IN_WINDOWS, 'signedIn')}
          value={filters.signedIn}
          onChange={(value) => change({ signedIn: (value ?? 'any') as UserFilters['signedIn'] })}
        />
        <NumberInput
          label={t('filters.minMessages')}
          min={0}
          allowDecimal={false}
          allowNegative={false}
          dir="ltr"
          value={filters.minMessages ?? ''}
          onChange={(value) => change({ minMessages: count(value) })}
        />
        <NumberInput
          label={t('filters.maxMessages')}
          min={0}
          allowDecimal={false}
          allowNegative={false}
          dir="ltr"
          value={filters.maxMessages ?? ''}
          onChange={(value) => change({ maxMessages: count(value) })}
        />
      </SimpleGrid>
    </form>
  );
}
