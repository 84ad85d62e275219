import { Badge, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CampaignStatus, GrantView, Package, SessionView, SubscriptionView, UserRow } from '../../../client';
import { formatDate, formatDateTime, formatNumber } from '../../../i18n/format';
import { CampaignStatusBadge } from '../../campaigns/CampaignStatusBadge';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  );
}

function Verified({ verified }: { verified: boolean }) {
  const { t } = useTranslation('adminUsers');
  return (
    <Badge size="xs" variant="filled" miw="max-content" color={verified ? 'teal.9' : 'gray.7'} ms={6}>
      {t(verified ? 'profile.verified' : 'profile.unverified')}
    </Badge>
  );
}

export function Profile({ user }: { user: UserRow }) {
  const { t, i18n } = useTranslation('adminUsers');
  const language = i18n.language;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
      <Fact label={t('table.name')}>{user.name}</Fact>
      <Fact label={t('profile.username')}>
        <span dir="ltr">{user.username ?? '—'}</span>
      </Fact>
      <Fact label={t('table.email')}>
        <span dir="ltr">{user.email ?? '—'}</span>
        {user.email && <Verified verified={user.email_verified} />}
      </Fact>
      <Fact label={t('table.phone')}>
        <span dir="ltr">{user.phone ?? '—'}</span>
        {user.phone && <Verified verified={user.phone_verified} />}
      </Fact>
      <Fact label={t('table.joined')}>{formatDateTime(user.created_at, language)}</Fact>
      <Fact label={t('table.lastSignIn')}>{user.last_login_at ? formatDateTime(user.last_login_at, language) : t('table.never')}</Fact>
      <Fact label={t('table.messages')}>{formatNumber(user.messages_this_month, language)}</Fact>
      <Fact label={t('profile.locale')}>
        <span dir="ltr">
          {user.locale} · {user.time_zone}
        </span>
      </Fact>
    </SimpleGrid>
  );
}

/** Package titles by id, for the rows that name only the id. */
export type PackageNames = Map<number, string>;

export function packageNames(packages: Package[] | undefined): PackageNames {
  return new Map((packages ?? []).map((pkg) => [pkg.id, pkg.title]));
}

export function Subscription({ subscription, grants, names }: { subscription: SubscriptionView; grants: GrantView[]; names: PackageNames }) {
  const { t, i18n } = useTranslation('adminUsers');
  const language = i18n.language;
  const n = (value: number) => formatNumber(value, language);
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        <Fact label={t('subscription.state')}>
          <Badge variant="filled" miw="max-content" color={subscription.active ? 'teal.9' : 'gray.7'}>
            {t(subscription.active ? 'subscription.ACTIVE' : subscription.expires_at ? 'subscription.EXPIRED' : 'subscription.NONE')}
          </Badge>
        </Fact>
        <Fact label={t('subscription.package')}>{subscription.package?.title ?? '—'}</Fact>
        <Fact label={t('subscription.expires')}>{subscription.expires_at ? formatDateTime(subscription.expires_at, language) : '—'}</Fact>
        <Fact label={t('subscription.messages')}>
          {t('subscription.messagesValue', {
            left: n(subscription.messages_left),
            granted: n(subscription.messages_granted),
            used: n(subscription.messages_used),
            reserved: n(subscription.messages_reserved),
          })}
        </Fact>
      </SimpleGrid>
      {grants.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('subscription.noHistory')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing={4} fz="sm">
            <Table.Caption>{t('subscription.history')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('subscription.when')}</Table.Th>
                <Table.Th>{t('subscription.package')}</Table.Th>
                <Table.Th>{t('subscription.source')}</Table.Th>
                <Table.Th>{t('subscription.adds')}</Table.Th>
                <Table.Th>{t('subscription.periodEnds')}</Table.Th>
                <Table.Th>{t('subscription.reason')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {grants.map((grant) => (
                <Table.Tr key={grant.id}>
                  <Table.Td>{formatDateTime(grant.created_at, language)}</Table.Td>
                  <Table.Td>{names.get(grant.package_id) ?? t('subscription.packageId', { id: n(grant.package_id) })}</Table.Td>
                  <Table.Td>{t(`subscription.sources.${grant.source}`)}</Table.Td>
                  <Table.Td>{t('subscription.addsValue', { days: n(grant.days), messages: n(grant.messages) })}</Table.Td>
                  <Table.Td>{formatDate(grant.period_ends_at, language)}</Table.Td>
                  <Table.Td>{grant.reason ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** How many campaigns the user has in each status. */
export function CampaignCounts({ counts }: { counts: Partial<Record<CampaignStatus, number>> }) {
  const { t, i18n } = useTranslation('adminUsers');
  const entries = Object.entries(counts) as [CampaignStatus, number][];
  if (entries.length === 0) return <Text size="sm" c="dimmed">{t('campaigns.none')}</Text>;
  return (
    <Group gap="md">
      {entries.map(([status, count]) => (
        <Group key={status} gap={4}>
          <CampaignStatusBadge status={status} />
          <Text size="sm" fw={600}>
            {formatNumber(count, i18n.language)}
          </Text>
        </Group>
      ))}
    </Group>
  );
}

export function Sessions({ sessions }: { sessions: SessionView[] }) {
  const { t, i18n } = useTranslation('adminUsers');
  const language = i18n.language;
  if (sessions.length === 0) return <Text size="sm" c="dimmed">{t('sessions.none')}</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing={4} fz="sm">
        <Table.Caption>{t('sessions.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('sessions.started')}</Table.Th>
            <Table.Th>{t('sessions.lastUsed')}</Table.Th>
            <Table.Th>{t('sessions.device')}</Table.Th>
            <Table.Th>{t('sessions.address')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.map((session) => (
            <Table.Tr key={session.id}>
              <Table.Td>{formatDateTime(session.created_at, language)}</Table.Td>
              <Table.Td>{session.last_used_at ? formatDateTime(session.last_used_at, language) : '—'}</Table.Td>
              <Table.Td>
                <Text size="xs" dir="ltr" ta="start" lineClamp={2} maw={360}>
                  {session.user_agent ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td dir="ltr">{session.ip_address ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
