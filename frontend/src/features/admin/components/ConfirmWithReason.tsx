import { Button, Group, Stack, Text, Textarea, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../api/problem';
import { Dialog } from '../../../components/Dialog';
import { FormAlert } from '../../../components/FormAlert';
import { describeRefusal } from './refusal';

export interface ConfirmWithReasonProps {
  /** The button's words, and its accessible name when the words alone are ambiguous in a table. */
  label: string;
  ariaLabel?: string;
  button?: ButtonProps;
  /** The dialog's question and what the action does. */
  title: string;
  body: ReactNode;
  confirmLabel: string;
  /** Told once the action succeeded. */
  done: string;
  /** Whether the action takes a reason, and whether it must be given (the API's limits). */
  reason?: 'required' | 'optional' | 'none';
  maxLength?: number;
  /** Extra inputs the action needs (shown above the reason); `ready` false keeps confirm off. */
  children?: ReactNode;
  ready?: boolean;
  /** Does the action; a rejection keeps the dialog open and shows why. */
  onConfirm: (reason: string) => Promise<unknown>;
}

/**
 * A button for an admin action that asks first, in a dialog saying what will happen, with the
 * reason the API records (and the affected person sees). The API's refusal stays in the dialog.
 */
export function ConfirmWithReason({
  label,
  ariaLabel,
  button,
  title,
  body,
  confirmLabel,
  done,
  reason = 'required',
  maxLength = 200,
  children,
  ready = true,
  onConfirm,
}: ConfirmWithReasonProps) {
  const { t } = useTranslation('admin');
  const [opened, { open, close }] = useDisclosure();
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const reset = () => {
    setText('');
    setInvalid(null);
    setError(null);
    close();
  };

  const confirm = async () => {
    const trimmed = text.trim();
    if (reason === 'required' && !trimmed) return setInvalid(t('reason.required'));
    if (trimmed.length > maxLength) return setInvalid(t('reason.tooLong', { max: maxLength }));
    setInvalid(null);
    setError(null);
    setPending(true);
    try {
      await onConfirm(trimmed);
      reset();
      notifications.show({ color: 'teal', message: done });
    } catch (refusal) {
      const fieldReason = refusal instanceof ApiError ? refusal.fieldErrors.reason : undefined;
      if (fieldReason) setInvalid(fieldReason);
      else setError(refusal);
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <Button size="xs" variant="default" {...button} onClick={open} aria-label={ariaLabel}>
        {label}
      </Button>
      <Dialog opened={opened} onClose={reset} title={title}>
        <Stack>
          <Text size="sm">{body}</Text>
          {children}
          {reason !== 'none' && (
            <Textarea
              label={t('reason.label')}
              description={reason === 'required' ? t('reason.hint') : t('reason.optionalHint')}
              required={reason === 'required'}
              autosize
              minRows={2}
              value={text}
              error={invalid}
              onChange={(event) => setText(event.currentTarget.value)}
            />
          )}
          <FormAlert message={error ? describeRefusal(error, t) : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={reset}>
              {t('common:cancel')}
            </Button>
            <Button color={button?.color ?? 'red'} loading={pending} disabled={!ready} onClick={() => void confirm()}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Dialog>
    </>
  );
}
