import { Anchor, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { NotFound } from '../../../app/NotFound';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { isApiError } from '../../../api/problem';
import { CampaignTable } from '../campaigns/CampaignTable';
import { NumberTable } from '../campaigns/NumberTable';
import { oversightPath } from '../campaigns/oversightFilters';
import { AuditTable } from '../audit/AuditTable';
import { PaymentTable } from '../payments/PaymentTable';
import { CampaignCounts, packageNames, Profile, Sessions, Subscription } from './OverviewSections';
import { Section } from './Section';
import { usePackages, useUserOverview } from './useAdminUsers';
import { UserActions } from './UserActions';
import { RoleBadge, StatusBadge } from './UserBadges';

/** One user's whole picture, and what an admin can do to the account. */
export default function UserPage() {
  const { t } = useTranslation('adminUsers');
  const userId = Number(useParams().userId);
  const overview = useUserOverview(userId);
  const packages = usePackages();
  if (!Number.isInteger(userId) || userId < 1 || isApiError(overview.error, 404)) return <NotFound />;
  if (overview.isPending) return <PageLoader />;
  if (overview.isError) return <QueryError error={overview.error} onRetry={() => void overview.refetch()} />;
  const { user, subscription, grants, payments, numbers, campaigns, campaigns_by_status, sessions, audit } = overview.data;
  const names = packageNames(packages.data);
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/admin/users" size="sm">
        {t('detail.back')}
      </Anchor>
      <Stack gap={4}>
        <Title order={1} size="h2">
          {user.name}
        </Title>
        <Group gap="xs">
          <RoleBadge role={user.role} />
          <StatusBadge status={user.status} />
        </Group>
      </Stack>
      <Section title={t('detail.actions')}>
        <Text size="sm" c="dimmed">
          {t('detail.actionsHint')}
        </Text>
        <UserActions user={user} packages={packages.data ?? []} />
      </Section>
      <Section title={t('detail.profile')}>
        <Profile user={user} />
      </Section>
      <Section title={t('detail.subscription')}>
        <Subscription subscription={subscription} grants={grants} names={names} />
      </Section>
      <Section title={t('detail.payments')}>
        {payments.length === 0 ? <Text size="sm" c="dimmed">{t('detail.noPayments')}</Text> : <PaymentTable payments={payments} packageTitles={names} />}
      </Section>
      <Section
        title={t('detail.numbers')}
        action={
          <Anchor component={Link} to={oversightPath({ tab: 'numbers', user: user.id })} size="sm">
            {t('detail.allNumbers')}
          </Anchor>
        }
      >
        {numbers.length === 0 ? <Text size="sm" c="dimmed">{t('detail.noNumbers')}</Text> : <NumberTable numbers={numbers} showOwner={false} />}
      </Section>
      <Section
        title={t('detail.campaigns')}
        action={
          <Anchor component={Link} to={oversightPath({ user: user.id })} size="sm">
            {t('detail.allCampaigns')}
          </Anchor>
        }
      >
        <CampaignCounts counts={campaigns_by_status} />
        {campaigns.length > 0 && <CampaignTable campaigns={campaigns} showOwner={false} />}
      </Section>
      <Section title={t('detail.sessions')}>
        <Sessions sessions={sessions} />
      </Section>
      <Section title={t('detail.audit')}>
        {audit.length === 0 ? <Text size="sm" c="dimmed">{t('detail.noAudit')}</Text> : <AuditTable entries={audit} />}
      </Section>
    </Stack>
  );
}
