import { Loader, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { previewCampaignApiV1CampaignsCampaignIdPreviewGetOptions } from '../../../client/@tanstack/react-query.gen';
import { QueryError } from '../../../components/QueryError';
import { MessageBubble } from './MessageBubble';

/** Exactly what the first recipients will get (rendered by the API), one at a time. */
export function MessagePreview({ campaignId, attachment }: { campaignId: number; attachment: string | null }) {
  const { t } = useTranslation('campaigns');
  const previews = useQuery({
    ...previewCampaignApiV1CampaignsCampaignIdPreviewGetOptions({ path: { campaign_id: campaignId } }),
    placeholderData: (previous) => previous,
  });
  const [chosen, setChosen] = useState('0');
  const items = previews.data ?? [];
  const index = Number(chosen) < items.length ? Number(chosen) : 0;
  const shown = items[index];
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('message.previewTitle')}
      </Title>
      {items.length > 1 && (
        <SegmentedControl
          size="xs"
          aria-label={t('message.previewFor')}
          value={String(index)}
          onChange={setChosen}
          data={items.map((item, position) => ({ value: String(position), label: <span dir="ltr">{item.phone ?? t('message.previewSample')}</span> }))}
        />
      )}
      {previews.isError && <QueryError error={previews.error} onRetry={() => void previews.refetch()} />}
      {previews.isPending && <Loader size="sm" aria-label={t('common:loading')} />}
      {shown && (
        <MessageBubble
          text={shown.text}
          attachment={attachment}
          footer={
            shown.missing_variables.length > 0 && (
              <Text size="xs" c="red.9" mt="xs">
                {t('message.missing', { names: shown.missing_variables.join('، ') })}
              </Text>
            )
          }
        />
      )}
    </Stack>
  );
}
