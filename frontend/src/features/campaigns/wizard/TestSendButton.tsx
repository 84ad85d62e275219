import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { IconDeviceMobileMessage } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { sendTestApiV1CampaignsCampaignIdTestPost } from '../../../client';
import { describeError } from '../../../api/describeError';

/** Sends the message, as the first recipient would get it, to the person's own phone. */
export function TestSendButton({ campaignId }: { campaignId: number }) {
  const { t } = useTranslation('campaigns');
  const test = useMutation({
    mutationFn: async () => (await sendTestApiV1CampaignsCampaignIdTestPost({ path: { campaign_id: campaignId }, body: {} })).data,
  });
  return (
    <Stack gap="xs">
      <Group gap="sm">
        <Button variant="default" loading={test.isPending} onClick={() => test.mutate()} leftSection={<IconDeviceMobileMessage size={16} aria-hidden />}>
          {t('review.test')}
        </Button>
        <Text size="xs" c="dimmed">
          {t('review.testHint')}
        </Text>
      </Group>
      {test.isSuccess && (
        <Alert color="teal" role="status">
          {t('review.testSent', { to: test.data.to })}
        </Alert>
      )}
      {test.isError && (
        <Alert color="red" role="alert">
          {describeError(test.error, t)}
        </Alert>
      )}
    </Stack>
  );
}
