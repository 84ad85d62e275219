import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../i18n/format';

/** An amount in the reader's digits and the currency's name (ریال, تومان; IRR, IRT in English). */
export function useMoney(): (amount: string | number, currency: string) => string {
  const { t, i18n } = useTranslation('adminPackages');
  return (amount, currency) =>
    t('table.priceValue', { amount: formatNumber(amount, i18n.language), currency: t(`currency.${currency}`, { defaultValue: currency }) });
}
