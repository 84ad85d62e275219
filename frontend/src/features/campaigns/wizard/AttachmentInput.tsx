import { Button, FileInput, Group, Text } from '@mantine/core';
import { IconPaperclip, IconX } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { uploadMediaApiV1MediaPost } from '../../../client';
import { describeError } from '../../../api/describeError';
import { useDraftUpdate } from './useDraftUpdate';

/** The campaign's optional attachment: upload one (its kind is read from its content), or remove it. */
export function AttachmentInput({ campaignId, mediaId, filename }: { campaignId: number; mediaId: number | null; filename: string | null }) {
  const { t } = useTranslation('campaigns');
  const [error, setError] = useState<string | null>(null);
  const update = useDraftUpdate(campaignId);
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const uploaded = (await uploadMediaApiV1MediaPost({ body: { file } })).data;
      return update.mutateAsync({ media_id: uploaded.id });
    },
    onSuccess: () => setError(null),
    onError: (failure) => setError(describeError(failure, t)),
  });

  if (mediaId !== null) {
    return (
      <Group gap="xs">
        <IconPaperclip size={16} aria-hidden />
        <Text size="sm">{filename ?? '…'}</Text>
        <Button
          size="xs"
          variant="default"
          c="red.9"
          loading={update.isPending}
          leftSection={<IconX size={14} aria-hidden />}
          onClick={() => update.mutate({ remove_media: true })}
        >
          {t('message.removeAttachment')}
        </Button>
      </Group>
    );
  }
  return (
    <FileInput
      label={t('message.attachment')}
      description={upload.isPending ? t('message.attachmentUploading') : t('message.attachmentHint')}
      leftSection={<IconPaperclip size={16} aria-hidden />}
      value={null}
      onChange={(file) => file && upload.mutate(file)}
      disabled={upload.isPending}
      error={error}
    />
  );
}
