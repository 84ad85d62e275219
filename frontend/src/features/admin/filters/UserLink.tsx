import { Anchor } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatNumber } from '../../../i18n/format';

/** A user named by id, leading to their page in the console (or the words for "nobody"). */
export function UserLink({ id, name, none }: { id: number | null; name?: string | null; none?: string }) {
  const { t, i18n } = useTranslation('adminFilters');
  if (id === null) return <>{none ?? '—'}</>;
  return (
    <Anchor component={Link} to={`/admin/users/${id}`} size="sm">
      {name ?? t('userNumber', { id: formatNumber(id, i18n.language) })}
    </Anchor>
  );
}
