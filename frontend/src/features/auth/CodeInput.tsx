import { TextInput, type TextInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The six-digit one-time code: numeric keypad on phones, filled from the SMS where supported. */
export function CodeInput(props: TextInputProps) {
  const { t } = useTranslation('auth');
  return (
    <TextInput
      label={t('fields.code')}
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      dir="ltr"
      required
      styles={{ input: { letterSpacing: '0.4em', textAlign: 'center' } }}
      {...props}
    />
  );
}
