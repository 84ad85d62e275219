import { Button, FileInput, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { IconFileSpreadsheet, IconUpload } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportPreview } from '../../client';
import { ApiError } from '../../api/problem';
import { describeError } from '../../api/describeError';
import { FormAlert } from '../../components/FormAlert';
import { uploadRecipients } from './api';

type Source = 'file' | 'paste';

/** Choose a file or paste lines; the upload answers a preview to confirm the columns on. */
export function RecipientSourceForm({ campaignId, onUploaded }: { campaignId: number; onUploaded: (preview: ImportPreview) => void }) {
  const { t } = useTranslation('imports');
  const [source, setSource] = useState<Source>('file');
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: () => uploadRecipients(campaignId, source === 'file' ? (file as File) : text),
    onSuccess: onUploaded,
    onError: (error) => {
      const fieldReason = error instanceof ApiError ? (error.fieldErrors.file ?? error.fieldErrors.text) : undefined;
      if (fieldReason) setInputError(fieldReason);
      else setFormError(describeError(error, t));
    },
  });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setFormError(null);
    if (source === 'file' && !file) return setInputError(t('source.chooseFile'));
    if (source === 'paste' && !text.trim()) return setInputError(t('source.pasteRequired'));
    setInputError(null);
    upload.mutate();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text fw={600} id="recipient-source-label">
          {t('source.label')}
        </Text>
        <SegmentedControl
          aria-labelledby="recipient-source-label"
          value={source}
          onChange={(value) => {
            setSource(value as Source);
            setInputError(null);
          }}
          data={[
            { value: 'file', label: t('source.file') },
            { value: 'paste', label: t('source.paste') },
          ]}
        />
        <FormAlert message={formError} />
        {source === 'file' ? (
          <FileInput
            label={t('source.fileLabel')}
            placeholder={t('source.filePlaceholder')}
            description={t('source.fileHint')}
            accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            leftSection={<IconFileSpreadsheet size={16} aria-hidden />}
            value={file}
            onChange={setFile}
            error={inputError}
            clearable
          />
        ) : (
          <Textarea
            label={t('source.pasteLabel')}
            description={t('source.pasteHint')}
            autosize
            minRows={5}
            maxRows={14}
            dir="ltr"
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            error={inputError}
          />
        )}
        <Button type="submit" loading={upload.isPending} leftSection={<IconUpload size={16} aria-hidden />} style={{ alignSelf: 'flex-start' }}>
          {t('source.upload')}
        </Button>
      </Stack>
    </form>
  );
}
