import { Button, Group, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import type { TFunction } from 'i18next';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../api/describeError';
import { Dialog } from './Dialog';
import { FormAlert } from './FormAlert';

/** What `onConfirm` answers when it found something to mend in the dialog's own inputs. */
export const STAY_OPEN = Symbol('stay open');

export interface ConfirmActionProps {
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
  /** Inputs the action needs; `ready` false keeps confirm off. */
  children?: ReactNode;
  ready?: boolean;
  /** Does the action. `STAY_OPEN` keeps the dialog open quietly (an input said what to mend);
   *  a rejection keeps it open and says why. */
  onConfirm: () => Promise<unknown>;
  /** Called whenever the dialog closes, so the caller can forget what was typed or picked. */
  onClose?: () => void;
  /** Words for a refusal, when the feature knows better ones than the app's generic words. */
  describe?: (error: unknown, t: TFunction) => string;
}

/**
 * A button for an action that cannot be taken back: it asks first, in a dialog saying what will
 * happen, and keeps a refusal there, in the reader's words, until they cancel or try again.
 */
export function ConfirmAction({
  label,
  ariaLabel,
  button,
  title,
  body,
  confirmLabel,
  done,
  children,
  ready = true,
  onConfirm,
  onClose,
  describe = describeError,
}: ConfirmActionProps) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const reset = () => {
    setError(null);
    onClose?.();
    close();
  };

  const confirm = async () => {
    setError(null);
    setPending(true);
    try {
      if ((await onConfirm()) === STAY_OPEN) return;
      reset();
      notifications.show({ color: 'teal', message: done });
    } catch (refusal) {
      setError(refusal);
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
          <FormAlert message={error ? describe(error, t) : null} />
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
