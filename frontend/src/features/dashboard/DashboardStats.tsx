import { SimpleGrid } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Campaign, Sender, SubscriptionView } from '../../client';
import { formatDate, formatNumber } from '../../i18n/format';
import { StatCard } from '../../components/StatCard';

const DAY_MS = 86_400_000;

interface Props {
  subscription: SubscriptionView;
  senders: Sender[];
  campaigns: Campaign[];
  now: Date;
}

export function DashboardStats({ subscription, senders, campaigns, now }: Props) {
  const { t, i18n } = useTranslation('dashboard');
  const n = (value: number) => formatNumber(value, i18n.language);
  const active = subscription.active && subscription.expires_at !== null;
  const daysLeft = active ? Math.max(0, Math.ceil((Date.parse(subscription.expires_at ?? '') - now.getTime()) / DAY_MS)) : 0;
  const sentToday = senders.reduce((sum, sender) => sum + sender.sent_today, 0);
  const running = campaigns.filter((campaign) => campaign.status === 'RUNNING').length;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
      <StatCard
        label={t('stats.quotaLeft')}
        value={n(subscription.messages_left)}
        hint={
          subscription.active
            ? t('stats.quotaOf', { granted: n(subscription.messages_granted), used: n(subscription.messages_used) })
            : t('stats.noQuota')
        }
      />
      <StatCard
        label={t('stats.subscriptionEnd')}
        value={active ? formatDate(subscription.expires_at ?? '', i18n.language) : '—'}
        hint={active ? t('stats.daysLeft', { days: n(daysLeft) }) : t('stats.noSubscription')}
      />
      <StatCard label={t('stats.today')} value={n(sentToday)} hint={t('stats.todayHint')} />
      <StatCard label={t('stats.running')} value={n(running)} hint={t('stats.runningHint')} />
    </SimpleGrid>
  );
}
