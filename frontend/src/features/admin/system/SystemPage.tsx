import { Alert, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { SystemStatus } from '../../../client';
import { readSystemStatusApiV1AdminSystemGetOptions } from '../../../client/@tanstack/react-query.gen';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { Section } from '../statistics/Section';
import { ProviderTable } from '../statistics/ProviderTable';
import { healthOf, lagHealth, type Health } from './health';

const REFRESH_MS = 5_000;
// Dark shades: white on them passes WCAG AA contrast (Mantine's orange.9 does not).
const HEALTH_COLORS: Record<Health, string> = { ok: 'teal.9', warning: '#a13c06', down: 'red.9' };

/** One thing the platform depends on: its name, how it is, and a line about it. */
function Check({ label, health, state, detail }: { label: string; health: Health; state: string; detail: string }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={label}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Text size="sm" c="dimmed">
          {label}
        </Text>
        <Badge color={HEALTH_COLORS[health]} variant="filled">
          {state}
        </Badge>
      </Group>
      <Text size="sm" mt="xs">
        {detail}
      </Text>
    </Paper>
  );
}

function Checks({ status }: { status: SystemStatus }) {
  const { t, i18n } = useTranslation('adminSystem');
  const n = (value: number, digits = 0) => formatNumber(value.toFixed(digits), i18n.language);
  const word = (health: Health) => t(`health.${health}`);
  const database = healthOf(status.database);
  // Without Redis the service runs its jobs itself (the embedded worker): nothing is wrong.
  const redisUnused = status.redis === 'not configured';
  const redis = redisUnused ? 'ok' : healthOf(status.redis);
  const dispatch = lagHealth(status.dispatch.lag_seconds);
  const starts = lagHealth(status.dispatch.start_lag_seconds);
  const jobs = status.jobs_failing === null || status.jobs_failing === undefined ? 'warning' : status.jobs_failing > 0 ? 'down' : 'ok';
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
      <Check label={t('database')} health={database} state={word(database)} detail={database === 'ok' ? t('databaseMs', { ms: n(status.database_ms, 1) }) : status.database} />
      <Check label={t('redis')} health={redis} state={redisUnused ? t('redisUnused') : word(redis)} detail={redisUnused ? t('redisUnusedDetail') : status.redis === 'ok' ? t('redisOk') : status.redis} />
      <Check
        label={t('dispatch')}
        health={dispatch}
        state={word(dispatch)}
        detail={t('dispatchDetail', { seconds: n(status.dispatch.lag_seconds), numbers: n(status.dispatch.late_numbers) })}
      />
      <Check
        label={t('starts')}
        health={starts}
        state={word(starts)}
        detail={t('startsDetail', { seconds: n(status.dispatch.start_lag_seconds), campaigns: n(status.dispatch.overdue_starts) })}
      />
      <Check label={t('jobs')} health={jobs} state={word(jobs)} detail={status.jobs_failing === null || status.jobs_failing === undefined ? t('brokerUnread') : t('jobsDetail', { count: n(status.jobs_failing) })} />
    </SimpleGrid>
  );
}

function Workers({ status }: { status: SystemStatus }) {
  const { t, i18n } = useTranslation('adminSystem');
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <Section title={t('workers.title')}>
      {status.workers.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('workers.none')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing={4}>
            <Table.Caption>{t('workers.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('workers.worker')}</Table.Th>
                <Table.Th>{t('workers.numbers')}</Table.Th>
                <Table.Th>{t('workers.lease')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.workers.map((worker) => (
                <Table.Tr key={worker.worker_id}>
                  <Table.Td dir="ltr">{worker.worker_id}</Table.Td>
                  <Table.Td>{worker.numbers.map((id) => t('workers.number', { id: n(id) })).join(t('workers.separator'))}</Table.Td>
                  <Table.Td>{formatDateTime(worker.lease_expires_at, i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}

function Queues({ status }: { status: SystemStatus }) {
  const { t, i18n } = useTranslation('adminSystem');
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <Section title={t('queues.title')}>
      {!status.queues ? (
        <Alert color="orange" title={t('brokerUnread')} />
      ) : (
        <Table verticalSpacing={4}>
          <Table.Caption>{t('queues.caption')}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('queues.queue')}</Table.Th>
              <Table.Th>{t('queues.ready')}</Table.Th>
              <Table.Th>{t('queues.delayed')}</Table.Th>
              <Table.Th>{t('queues.dead')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {status.queues.map((queue) => (
              <Table.Tr key={queue.queue}>
                <Table.Th scope="row" fw={500} dir="ltr">
                  {queue.queue}
                </Table.Th>
                <Table.Td>{n(queue.ready)}</Table.Td>
                <Table.Td>{n(queue.delayed)}</Table.Td>
                <Table.Td>{n(queue.dead)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

/** How the platform is doing now, read again every few seconds. */
export default function SystemPage() {
  const { t, i18n } = useTranslation('adminSystem');
  const status = useQuery({ ...readSystemStatusApiV1AdminSystemGetOptions(), refetchInterval: REFRESH_MS });
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        {status.data && (
          <Text size="sm" c="dimmed" aria-live="polite">
            {t('checkedAt', { time: formatDateTime(status.data.checked_at, i18n.language) })}
          </Text>
        )}
      </Stack>
      {status.isPending && <PageLoader />}
      {status.isError && <QueryError error={status.error} onRetry={() => void status.refetch()} />}
      {status.data && (
        <>
          <Checks status={status.data} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Workers status={status.data} />
            <Queues status={status.data} />
          </SimpleGrid>
          <Section title={t('numbers.title')}>
            <ProviderTable numbers={status.data.numbers} />
          </Section>
        </>
      )}
    </Stack>
  );
}
