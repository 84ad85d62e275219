import { Button, Group, NumberInput, Select, SimpleGrid, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { UserIdInput } from '../filters/UserIdInput';
import { CAMPAIGN_STATUSES, NUMBER_STATUSES, PROVIDERS, SUSPENSION, type OversightFilters } from './oversightFilters';

interface Props {
  filters: OversightFilters;
  onChange: (filters: OversightFilters) => void;
}

function id(value: string | number): number | null {
  return typeof value === 'number' && value > 0 ? value : null;
}

/** The words typed in a search box take effect on Enter or the button; the rest at once. */
function SearchBox({ label, hint, value, onSearch, dir }: { label: string; hint: string; value: string; onSearch: (value: string) => void; dir?: 'ltr' }) {
  const { t } = useTranslation('adminCampaigns');
  const [text, setText] = useState(value);
  return (
    <form
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text);
      }}
    >
      <Group align="flex-end" gap="xs">
        <TextInput flex={1} miw={200} label={label} placeholder={hint} value={text} maxLength={100} dir={dir} onChange={(event) => setText(event.currentTarget.value)} />
        <Button type="submit" leftSection={<IconSearch size={16} aria-hidden />}>
          {t('filters.search')}
        </Button>
      </Group>
    </form>
  );
}

export function OversightFilterBar({ filters, onChange }: Props) {
  const { t } = useTranslation('adminCampaigns');
  const change = (patch: Partial<OversightFilters>) => onChange({ ...filters, ...patch, page: 1 });
  const options = <T extends string>(values: readonly T[], group: string) => values.map((value) => ({ value, label: t(`${group}.${value}`) }));
  const user = <UserIdInput value={filters.user} onChange={(user) => change({ user })} />;
  if (filters.tab === 'numbers') {
    return (
      <>
        <SearchBox key={filters.phone} label={t('filters.phone')} hint={t('filters.phoneHint')} value={filters.phone} dir="ltr" onSearch={(phone) => change({ phone })} />
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="xs">
          {user}
          <Select label={t('filters.provider')} placeholder={t('filters.all')} clearable data={options(PROVIDERS, 'providers')} value={filters.provider} onChange={(value) => change({ provider: value as OversightFilters['provider'] })} />
          <Select label={t('filters.numberStatus')} placeholder={t('filters.all')} clearable data={options(NUMBER_STATUSES, 'senders:status')} value={filters.numberStatus} onChange={(value) => change({ numberStatus: value as OversightFilters['numberStatus'] })} />
          <Select label={t('filters.suspension')} allowDeselect={false} data={options(SUSPENSION, 'suspension')} value={filters.suspension} onChange={(value) => change({ suspension: (value ?? 'any') as OversightFilters['suspension'] })} />
        </SimpleGrid>
      </>
    );
  }
  return (
    <>
      <SearchBox key={filters.q} label={t('filters.title')} hint={t('filters.titleHint')} value={filters.q} onSearch={(q) => change({ q })} />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="xs">
        {user}
        <Select label={t('filters.status')} placeholder={t('filters.all')} clearable data={options(CAMPAIGN_STATUSES, 'campaigns:status')} value={filters.status} onChange={(value) => change({ status: value as OversightFilters['status'] })} />
        <NumberInput label={t('filters.number')} description={t('filters.numberHint')} min={1} allowDecimal={false} allowNegative={false} dir="ltr" value={filters.number ?? ''} onChange={(value) => change({ number: id(value) })} />
        <TextInput type="date" label={t('filters.from')} value={filters.from} onChange={(event) => change({ from: event.currentTarget.value })} />
        <TextInput type="date" label={t('filters.to')} value={filters.to} onChange={(event) => change({ to: event.currentTarget.value })} />
      </SimpleGrid>
    </>
  );
}
