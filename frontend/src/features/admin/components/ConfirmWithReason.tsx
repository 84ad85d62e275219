import { Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../api/problem';
import { ConfirmAction, STAY_OPEN, type ConfirmActionProps } from '../../../components/ConfirmAction';
import { describeRefusal } from './refusal';

export interface ConfirmWithReasonProps extends Omit<ConfirmActionProps, 'onConfirm' | 'describe'> {
  /** Whether the action takes a reason, and whether it must be given (the API's limits). */
  reason?: 'required' | 'optional' | 'none';
  maxLength?: number;
  /** Does the action with the reason given, trimmed. */
  onConfirm: (reason: string) => Promise<unknown>;
}

/**
 * An admin action confirmed first, with the reason the API records (and the affected person
 * sees). A refusal reads as the rule that was broken (`describeRefusal`).
 */
export function ConfirmWithReason({
  reason = 'required',
  maxLength = 200,
  children,
  onConfirm,
  onClose,
  ...confirm
}: ConfirmWithReasonProps) {
  const { t } = useTranslation('admin');
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);

  const act = async () => {
    const trimmed = text.trim();
    setInvalid(null);
    if (reason === 'required' && !trimmed) setInvalid(t('reason.required'));
    else if (trimmed.length > maxLength) setInvalid(t('reason.tooLong', { max: maxLength }));
    else {
      try {
        return await onConfirm(trimmed);
      } catch (refusal) {
        const fieldReason = refusal instanceof ApiError ? refusal.fieldErrors.reason : undefined;
        if (!fieldReason) throw refusal;
        setInvalid(fieldReason);
      }
    }
    return STAY_OPEN;
  };

  return (
    <ConfirmAction
      {...confirm}
      describe={describeRefusal}
      onConfirm={act}
      onClose={() => {
        setText('');
        setInvalid(null);
        onClose?.();
      }}
    >
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
    </ConfirmAction>
  );
}
