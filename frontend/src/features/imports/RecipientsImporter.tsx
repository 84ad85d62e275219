import { Button, Stack, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportPreview } from '../../client';
import {
  listImportsApiV1CampaignsCampaignIdImportsGetOptions,
  readCampaignApiV1CampaignsCampaignIdGetQueryKey,
} from '../../client/@tanstack/react-query.gen';
import { formatNumber } from '../../i18n/format';
import { ColumnMappingForm } from './ColumnMappingForm';
import { ImportProgress } from './ImportProgress';
import { RecipientSourceForm } from './RecipientSourceForm';

/**
 * A campaign's recipients: the imports so far with their outcome, and a new upload (file or
 * pasted) through preview and column mapping. `total` is how many recipients the campaign has.
 */
export function RecipientsImporter({ campaignId, total }: { campaignId: number; total: number }) {
  const { t, i18n } = useTranslation('imports');
  const queryClient = useQueryClient();
  const imports = useQuery(listImportsApiV1CampaignsCampaignIdImportsGetOptions({ path: { campaign_id: campaignId } }));
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [adding, setAdding] = useState(false);
  // The campaign's count of recipients changes as an import finishes.
  const refresh = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: readCampaignApiV1CampaignsCampaignIdGetQueryKey({ path: { campaign_id: campaignId } }) }),
    [queryClient, campaignId],
  );
  const started = imports.data?.filter((view) => view.status !== 'UPLOADED') ?? [];
  const showForm = adding || (imports.isSuccess && started.length === 0);

  return (
    <Stack>
      <Text fw={600}>{total > 0 ? t('summary.title', { formatted: formatNumber(total, i18n.language) }) : t('summary.none')}</Text>
      {started.map((view) => (
        <ImportProgress key={view.id} initial={view} onFinished={refresh} />
      ))}
      {showForm && !preview && (
        <RecipientSourceForm campaignId={campaignId} onUploaded={setPreview} />
      )}
      {preview && (
        <ColumnMappingForm
          preview={preview}
          onStarted={() => {
            setPreview(null);
            setAdding(false);
            void imports.refetch();
          }}
        />
      )}
      {!showForm && !preview && (
        <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setAdding(true)} style={{ alignSelf: 'flex-start' }}>
          {t('summary.addMore')}
        </Button>
      )}
    </Stack>
  );
}
