import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import {
  loginApiV1AuthLoginPostMutation,
  requestCodeApiV1AuthOtpRequestPostMutation,
  verifyCodeApiV1AuthOtpVerifyPostMutation,
} from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { CodeInput } from './CodeInput';
import { useSignedIn } from './useSignedIn';
import { latinDigits, validCode } from './validation';

/** What sign-up hands this screen: the phone to verify, and the password to sign in with after. */
export interface VerifyState {
  login: string;
  password?: string;
}

function isVerifyState(value: unknown): value is VerifyState {
  return typeof value === 'object' && value !== null && typeof (value as VerifyState).login === 'string';
}

export default function VerifyPage() {
  const { t } = useTranslation('auth');
  const { state } = useLocation();
  const navigate = useNavigate();
  const signedIn = useSignedIn();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({ initialValues: { code: '' }, validate: { code: (value) => validCode(value, t) } });
  const showProblem = useProblemForm(form);
  const verify = useMutation(verifyCodeApiV1AuthOtpVerifyPostMutation());
  const login = useMutation(loginApiV1AuthLoginPostMutation());
  const resend = useMutation(requestCodeApiV1AuthOtpRequestPostMutation());

  if (!isVerifyState(state)) return <Navigate to="/sign-in" replace />;

  const signInAfter = () => {
    if (!state.password) {
      void navigate('/sign-in', { replace: true });
      return;
    }
    login.mutate(
      { body: { login: state.login, password: state.password, use_cookies: true } },
      { onSuccess: () => void signedIn(), onError: () => void navigate('/sign-in', { replace: true }) },
    );
  };

  const submit = form.onSubmit(({ code }) => {
    setFormError(null);
    verify.mutate(
      { body: { purpose: 'VERIFY_PHONE', login: state.login, code: latinDigits(code) } },
      { onSuccess: signInAfter, onError: (error) => setFormError(showProblem(error)) },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Title order={1} size="h3">
          {t('verify.title')}
        </Title>
        <Text>{t('verify.sentTo', { login: state.login })}</Text>
        <FormAlert message={formError} />
        {resend.isSuccess && <Alert color="teal">{t('verify.resent')}</Alert>}
        <CodeInput {...form.getInputProps('code')} />
        <Button type="submit" loading={verify.isPending || login.isPending}>
          {t('verify.submit')}
        </Button>
        <Button
          variant="subtle"
          loading={resend.isPending}
          onClick={() =>
            resend.mutate(
              { body: { purpose: 'VERIFY_PHONE', login: state.login } },
              { onError: (error) => setFormError(showProblem(error)) },
            )
          }
        >
          {t('verify.resend')}
        </Button>
      </Stack>
    </form>
  );
}
