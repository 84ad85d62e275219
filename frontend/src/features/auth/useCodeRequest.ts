import { useMutation } from '@tanstack/react-query';
import type { OtpPurpose } from '../../client';
import { requestCodeApiV1AuthOtpRequestPostMutation } from '../../client/@tanstack/react-query.gen';
import { latinDigits } from './validation';

/** Asks for a one-time code for `purpose`; remembers to whom it went once sent. */
export function useCodeRequest(purpose: OtpPurpose) {
  const mutation = useMutation(requestCodeApiV1AuthOtpRequestPostMutation());
  return {
    ...mutation,
    sentTo: mutation.isSuccess ? mutation.variables.body.login : null,
    request: (login: string, onError: (error: unknown) => void) =>
      mutation.mutate({ body: { purpose, login: latinDigits(login.trim()) } }, { onError }),
  };
}
