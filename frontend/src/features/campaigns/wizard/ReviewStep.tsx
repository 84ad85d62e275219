import { Alert, Button, Group, Paper, Radio, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { startCampaignApiV1CampaignsCampaignIdStartPost, type Campaign } from '../../../client';
import { ApiError } from '../../../api/problem';
import { formatDateTime, formatNumber } from '../../../i18n/format';
import { PreflightPanel } from './PreflightPanel';
import { StartRefusal } from './StartRefusal';
import { TestSendButton } from './TestSendButton';
import { useMediaName } from './useMediaName';

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}

function Summary({ campaign }: { campaign: Campaign }) {
  const { t, i18n } = useTranslation('campaigns');
  const number = (value: number) => formatNumber(value, i18n.language);
  const attachment = useMediaName(campaign.media_id);
  const senders = Math.max(1, campaign.sender_ids.length);
  const minutes = Math.ceil((campaign.counts.pending * campaign.interval_seconds) / senders / 60);
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Fact label={t('review.recipients')} value={number(campaign.counts.pending)} />
          <Fact label={t('review.numbers')} value={number(campaign.sender_ids.length)} />
          <Fact label={t('review.interval')} value={t('sending.seconds', { formatted: number(campaign.interval_seconds) })} />
          <Fact label={t('review.attachment')} value={attachment ?? t('review.none')} />
        </SimpleGrid>
        {campaign.counts.pending > 0 && (
          <Text size="sm" c="dimmed">
            {t('review.estimate', { count: minutes, minutes: number(minutes), formatted: number(campaign.counts.pending) })}
          </Text>
        )}
        {campaign.counts.pending === 0 && <Alert color="yellow">{t('review.noRecipients')}</Alert>}
        {campaign.sender_ids.length === 0 && <Alert color="yellow">{t('review.noNumbers')}</Alert>}
      </Stack>
    </Paper>
  );
}

/** The datetime-local value as an instant with its zone, which the API requires. */
function toInstant(local: string): string | null {
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** Everything at a glance, now or later, and the start: refused with the API's reason and a way out. */
export function ReviewStep({ campaign, onStep }: { campaign: Campaign; onStep: (step: number) => void }) {
  const { t, i18n } = useTranslation('campaigns');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [local, setLocal] = useState('');
  const [dateError, setDateError] = useState<string | null>(null);
  const scheduledAt = when === 'later' ? toInstant(local) : null;
  const start = useMutation({
    mutationFn: async () =>
      (await startCampaignApiV1CampaignsCampaignIdStartPost({ path: { campaign_id: campaign.id }, body: scheduledAt ? { scheduled_at: scheduledAt } : {} })).data,
    onSuccess: async (started) => {
      await queryClient.invalidateQueries();
      void navigate(`/campaigns/${started.id}`);
    },
  });

  const submit = () => {
    if (when === 'later' && !scheduledAt) return setDateError(t('review.atRequired'));
    setDateError(null);
    start.mutate();
  };

  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const scheduleError = start.error instanceof ApiError ? (start.error.fieldErrors.scheduled_at ?? null) : null;
  return (
    <Stack>
      <Summary campaign={campaign} />
      <PreflightPanel campaignId={campaign.id} />
      <TestSendButton campaignId={campaign.id} />
      <Radio.Group label={t('review.when')} value={when} onChange={(value) => setWhen(value as 'now' | 'later')}>
        <Group mt="xs">
          <Radio value="now" label={t('review.now')} />
          <Radio value="later" label={t('review.later')} />
        </Group>
      </Radio.Group>
      {when === 'later' && (
        <TextInput
          type="datetime-local"
          label={t('review.at')}
          description={scheduledAt ? t('review.atShown', { at: formatDateTime(scheduledAt, i18n.language) }) : t('review.atHint', { zone })}
          value={local}
          onChange={(event) => setLocal(event.currentTarget.value)}
          error={dateError ?? scheduleError}
          dir="ltr"
          maw={320}
        />
      )}
      {start.isError && !scheduleError && <StartRefusal error={start.error} onStep={onStep} />}
      <Button size="md" onClick={submit} loading={start.isPending} style={{ alignSelf: 'flex-start' }}>
        {when === 'later' ? t('review.schedule') : t('review.start')}
      </Button>
    </Stack>
  );
}
