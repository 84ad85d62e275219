import { Alert, Anchor, Badge, Checkbox, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Campaign, Sender } from '../../../client';
import { listSendersApiV1SendersGetOptions } from '../../../client/@tanstack/react-query.gen';
import { ApiError } from '../../../api/problem';
import { PageLoader } from '../../../components/PageLoader';
import { QueryError } from '../../../components/QueryError';
import { formatNumber } from '../../../i18n/format';
import { useDraftUpdate } from './useDraftUpdate';

// The intervals a deployment allows by default (PAYAM_ALLOWED_INTERVALS); the API names the allowed ones if it refuses.
const INTERVALS = [5, 10, 20];

function SenderLabel({ sender }: { sender: Sender }) {
  const { t, i18n } = useTranslation('campaigns');
  return (
    <Group gap="xs">
      <span>{sender.display_name}</span>
      {sender.phone && (
        <Text span size="xs" c="dimmed" dir="ltr">
          {sender.phone}
        </Text>
      )}
      <Badge size="xs" variant="dot" color={sender.status === 'CONNECTED' ? 'teal' : 'gray'}>
        {t(`sending.status.${sender.status}`)}
      </Badge>
      <Text span size="xs" c="dimmed">
        {t('sending.dailyCap', { count: sender.daily_cap, formatted: formatNumber(sender.daily_cap, i18n.language) })}
      </Text>
    </Group>
  );
}

function NumbersField({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const senders = useQuery(listSendersApiV1SendersGetOptions());
  const update = useDraftUpdate(campaign.id);
  // Ticked at once; the saved list comes back with the answer (and a refusal puts it back).
  const [chosen, setChosen] = useState(campaign.sender_ids.map(String));
  if (senders.isPending) return <PageLoader />;
  if (senders.isError) return <QueryError error={senders.error} onRetry={() => void senders.refetch()} />;
  if (senders.data.length === 0) {
    return (
      <Alert color="yellow" title={t('sending.numbers')}>
        <Stack gap="xs" align="flex-start">
          {t('sending.noNumbers')}
          <Anchor component={Link} to="/numbers">
            {t('sending.linkNumber')}
          </Anchor>
        </Stack>
      </Alert>
    );
  }
  const error = update.error instanceof ApiError ? (update.error.fieldErrors.sender_ids ?? update.error.summary) : null;
  return (
    <Checkbox.Group
      label={t('sending.numbers')}
      description={t('sending.numbersHint')}
      value={chosen}
      onChange={(ids) => {
        setChosen(ids);
        update.mutate({ sender_ids: ids.map(Number) }, { onError: () => setChosen(campaign.sender_ids.map(String)) });
      }}
      error={error}
    >
      <Stack gap="xs" mt="xs">
        {senders.data.map((sender) => (
          <Checkbox key={sender.id} value={String(sender.id)} label={<SenderLabel sender={sender} />} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

function IntervalField({ campaign }: { campaign: Campaign }) {
  const { t, i18n } = useTranslation('campaigns');
  const update = useDraftUpdate(campaign.id);
  const choices = [...new Set([...INTERVALS, campaign.interval_seconds])].sort((a, b) => a - b);
  const error = update.error instanceof ApiError ? (update.error.fieldErrors.interval_seconds ?? update.error.summary) : null;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id="interval-label">
        {t('sending.interval')}
      </Text>
      <Text size="xs" c="dimmed">
        {t('sending.intervalHint')}
      </Text>
      <SegmentedControl
        aria-labelledby="interval-label"
        value={String(campaign.interval_seconds)}
        onChange={(value) => update.mutate({ interval_seconds: Number(value) })}
        data={choices.map((seconds) => ({ value: String(seconds), label: t('sending.seconds', { count: seconds, formatted: formatNumber(seconds, i18n.language) }) }))}
        style={{ alignSelf: 'flex-start' }}
      />
      {error && (
        <Text size="xs" c="red.9" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

/** Which numbers send, and how long each waits between two messages. */
export function SendingStep({ campaign }: { campaign: Campaign }) {
  return (
    <Stack gap="xl">
      <NumbersField campaign={campaign} />
      <IntervalField campaign={campaign} />
    </Stack>
  );
}
