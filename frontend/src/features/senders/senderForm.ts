import type { TFunction } from 'i18next';
import type { Sender, SenderCreate, SenderUpdate } from '../../client';

/** The limits form's values: quiet hours and pauses as switches with their fields. */
export interface SenderFormValues {
  /** When linking: a simulated number, or a real one linked as WhatsApp Web (QR or code). */
  provider: 'sandbox' | 'web';
  display_name: string;
  phone: string;
  daily_cap: number;
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  pause: boolean;
  pause_every: number;
  pause_seconds: number;
  /** WhatsApp Web numbers: seconds of "typing…" before each message; empty: the server's default. */
  typing_seconds: number | '';
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export const newSenderValues: SenderFormValues = {
  provider: 'sandbox',
  display_name: '',
  phone: '',
  daily_cap: 500,
  quiet: true,
  quiet_start: '22:00',
  quiet_end: '08:00',
  pause: false,
  pause_every: 50,
  pause_seconds: 300,
  typing_seconds: '',
};

export const MAX_TYPING_SECONDS = 10;

export function valuesOf(sender: Sender): SenderFormValues {
  return {
    provider: sender.provider === 'web' ? 'web' : 'sandbox',
    display_name: sender.display_name,
    phone: sender.phone ?? '',
    daily_cap: sender.daily_cap,
    quiet: sender.quiet_hours !== null,
    quiet_start: sender.quiet_hours?.start ?? newSenderValues.quiet_start,
    quiet_end: sender.quiet_hours?.end ?? newSenderValues.quiet_end,
    pause: sender.pause_every !== null,
    pause_every: sender.pause_every ?? newSenderValues.pause_every,
    pause_seconds: sender.pause_seconds,
    typing_seconds: sender.typing_seconds ?? '',
  };
}

function within(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= max;
}

export function senderValidation(t: TFunction) {
  return {
    display_name: (value: string) => (value.trim() ? null : t('senders:validation.displayName')),
    daily_cap: (value: number) => (within(value, 100_000) ? null : t('senders:validation.dailyCap')),
    quiet_start: (value: string, values: SenderFormValues) =>
      !values.quiet || TIME.test(value) ? null : t('senders:validation.time'),
    quiet_end: (value: string, values: SenderFormValues) =>
      !values.quiet || TIME.test(value) ? null : t('senders:validation.time'),
    pause_every: (value: number, values: SenderFormValues) =>
      !values.pause || within(value, 100_000) ? null : t('senders:validation.pauseEvery'),
    pause_seconds: (value: number, values: SenderFormValues) =>
      !values.pause || within(value, 86_400) ? null : t('senders:validation.pauseSeconds'),
    typing_seconds: (value: number | '', values: SenderFormValues) =>
      values.provider !== 'web' || value === '' || (value >= 0 && value <= MAX_TYPING_SECONDS)
        ? null
        : t('senders:validation.typingSeconds'),
  };
}

function limits(values: SenderFormValues) {
  return {
    display_name: values.display_name.trim(),
    daily_cap: values.daily_cap,
    quiet_hours: values.quiet ? { start: values.quiet_start, end: values.quiet_end } : null,
    pause_every: values.pause ? values.pause_every : null,
    pause_seconds: values.pause ? values.pause_seconds : null,
  };
}

/** Typing is a WhatsApp Web number's own; left empty, the server's default holds. */
function typing(values: SenderFormValues) {
  return values.typing_seconds === '' ? null : values.typing_seconds;
}

export function createBody(values: SenderFormValues): SenderCreate {
  if (values.provider === 'web') {
    // The phone comes from the phone that scans the QR code.
    return { ...limits(values), provider: 'web', phone: null, typing_seconds: typing(values) };
  }
  return { ...limits(values), provider: 'sandbox', phone: values.phone.trim() || null };
}

export function updateBody(values: SenderFormValues): SenderUpdate {
  const body = { ...limits(values), clear_quiet_hours: !values.quiet, clear_pause_every: !values.pause };
  return values.provider === 'web' ? { ...body, typing_seconds: typing(values) } : body;
}
