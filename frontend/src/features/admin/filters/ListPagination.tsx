import { Pagination } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../i18n/format';

interface Props {
  total: number;
  pageSize: number;
  page: number;
  onChange: (page: number) => void;
}

/** The pages of a list, numbered in the reader's digits; nothing when it fits on one. */
export function ListPagination({ total, pageSize, page, onChange }: Props) {
  const { t, i18n } = useTranslation('adminFilters');
  const pages = Math.ceil(total / pageSize);
  if (pages <= 1) return null;
  return (
    <Pagination
      total={pages}
      value={page}
      onChange={onChange}
      aria-label={t('pagination')}
      getItemProps={(item) => ({ children: formatNumber(item, i18n.language) })}
    />
  );
}
