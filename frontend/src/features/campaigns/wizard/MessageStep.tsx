import { Button, Group, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Campaign, CampaignUpdate } from '../../../client';
import { ApiError } from '../../../api/problem';
import { AttachmentInput } from './AttachmentInput';
import { MessagePreview } from './MessagePreview';
import { useDraftUpdate } from './useDraftUpdate';
import { useMediaName } from './useMediaName';
import { useMessageVariables } from './useMessageVariables';

const SAVE_AFTER_MS = 600;

function fieldError(error: unknown, field: string): string | null {
  return error instanceof ApiError ? (error.fieldErrors[field] ?? null) : null;
}

function unsavedChanges(title: string, message: string, campaign: Campaign): CampaignUpdate | null {
  const changes: CampaignUpdate = {
    ...(title && title !== campaign.title ? { title } : {}),
    ...(message.trim() && message !== campaign.message ? { message } : {}),
  };
  return Object.keys(changes).length > 0 ? changes : null;
}

/** Title and message, saved as one types (the API checks the syntax), beside a live preview. */
export function MessageStep({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation('campaigns');
  const [title, setTitle] = useState(campaign.title ?? '');
  const [message, setMessage] = useState(campaign.message);
  const [savedTitle] = useDebouncedValue(title.trim(), SAVE_AFTER_MS);
  const [savedMessage] = useDebouncedValue(message, SAVE_AFTER_MS);
  const update = useDraftUpdate(campaign.id);
  const { mutate } = update;
  const textarea = useRef<HTMLTextAreaElement>(null);
  const variables = useMessageVariables(campaign.id);
  const attachment = useMediaName(campaign.media_id);

  useEffect(() => {
    const changes = unsavedChanges(savedTitle, savedMessage, campaign);
    if (changes) mutate(changes);
  }, [savedTitle, savedMessage, campaign, mutate]);

  // Leaving the step (Next, Back, another screen) before the pause after typing still saves.
  const latest = useRef({ title, message, campaign });
  useEffect(() => {
    latest.current = { title, message, campaign };
  });
  useEffect(
    () => () => {
      const changes = unsavedChanges(latest.current.title.trim(), latest.current.message, latest.current.campaign);
      if (changes) mutate(changes);
    },
    [mutate],
  );

  const insert = (variable: string) => {
    const element = textarea.current;
    const at = element?.selectionStart ?? message.length;
    const token = `{{${variable}}}`;
    setMessage(message.slice(0, at) + token + message.slice(element?.selectionEnd ?? at));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(at + token.length, at + token.length);
    });
  };

  const messageError = fieldError(update.error, 'message') ?? (message.trim() ? null : t('common:errors.required'));
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
      <Stack>
        <TextInput
          label={t('wizard.titleLabel')}
          description={t('wizard.titleHint')}
          value={title}
          onChange={(event) => setTitle(event.currentTarget.value)}
          error={fieldError(update.error, 'title') ?? (title.trim() ? null : t('common:errors.required'))}
          required
        />
        <Textarea
          ref={textarea}
          label={t('message.label')}
          description={t('message.help', { name: '{{name}}', phone: '{{phone}}', fallback: `{{name|${t('wizard.greetingFallback')}}}`, spin: '{A|B}' })}
          value={message}
          onChange={(event) => setMessage(event.currentTarget.value)}
          error={messageError}
          autosize
          minRows={6}
          maxRows={16}
          required
        />
        <Group gap={6} aria-label={t('message.insertVariable')} role="group">
          <Text size="xs" c="dimmed">
            {t('message.insertVariable')}:
          </Text>
          {variables.map((variable) => (
            <Button key={variable} size="compact-xs" variant="default" onClick={() => insert(variable)}>
              {`{{${variable}}}`}
            </Button>
          ))}
        </Group>
        <Text size="xs" c="dimmed" role="status" aria-live="polite">
          {update.isPending ? t('message.saving') : update.isSuccess ? t('message.saved') : ''}
        </Text>
        <AttachmentInput campaignId={campaign.id} mediaId={campaign.media_id} filename={attachment} />
      </Stack>
      <MessagePreview campaignId={campaign.id} attachment={attachment} />
    </SimpleGrid>
  );
}
