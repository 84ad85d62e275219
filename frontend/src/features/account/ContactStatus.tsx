import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { verifyCodeApiV1AuthOtpVerifyPostMutation } from '../../client/@tanstack/react-query.gen';
import { Dialog } from '../../components/Dialog';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { CodeInput } from '../auth/CodeInput';
import { useCodeRequest } from '../auth/useCodeRequest';
import { latinDigits, validCode } from '../auth/validation';
import { useInvalidateMe } from './useInvalidateMe';

interface Props {
  purpose: 'VERIFY_PHONE' | 'VERIFY_EMAIL';
  destination: string;
  verified: boolean;
}

/** Whether an e-mail or phone is verified; if not, a button to verify it by code. */
export function ContactStatus({ purpose, destination, verified }: Props) {
  const { t } = useTranslation('account');
  const [opened, { open, close }] = useDisclosure();
  if (verified) {
    return (
      <Badge color="teal.9" variant="filled">
        {t('contact.verified')}
      </Badge>
    );
  }
  const title = purpose === 'VERIFY_PHONE' ? t('contact.verifyPhone') : t('contact.verifyEmail');
  return (
    <Group gap="xs">
      <Badge color="gray.8" variant="filled">
        {t('contact.unverified')}
      </Badge>
      <Button size="compact-sm" variant="default" onClick={open} aria-label={title}>
        {t('contact.verify')}
      </Button>
      <Text size="xs" c="dimmed">
        {t('contact.hint')}
      </Text>
      <Dialog opened={opened} onClose={close} title={title}>
        <VerifyByCode purpose={purpose} destination={destination} onDone={close} />
      </Dialog>
    </Group>
  );
}

function VerifyByCode({ purpose, destination, onDone }: Omit<Props, 'verified'> & { onDone: () => void }) {
  const { t } = useTranslation('account');
  const invalidateMe = useInvalidateMe();
  const [formError, setFormError] = useState<string | null>(null);
  const codeRequest = useCodeRequest(purpose);
  const form = useForm({ initialValues: { code: '' }, validate: { code: (value) => validCode(value, t) } });
  const showProblem = useProblemForm(form);
  const verify = useMutation(verifyCodeApiV1AuthOtpVerifyPostMutation());
  const onError = (error: unknown) => setFormError(showProblem(error));

  if (!codeRequest.sentTo) {
    return (
      <Stack>
        <FormAlert message={formError} />
        <Button loading={codeRequest.isPending} onClick={() => codeRequest.request(destination, onError)}>
          {t('contact.send')}
        </Button>
      </Stack>
    );
  }
  const submit = form.onSubmit(({ code }) => {
    setFormError(null);
    verify.mutate(
      { body: { purpose, login: destination, code: latinDigits(code) } },
      {
        onSuccess: () => {
          void invalidateMe();
          notifications.show({ color: 'teal', message: t('contact.done') });
          onDone();
        },
        onError,
      },
    );
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text size="sm">{t('contact.sentTo', { to: destination })}</Text>
        <FormAlert message={formError} />
        <CodeInput {...form.getInputProps('code')} />
        <Button type="submit" loading={verify.isPending}>
          {t('contact.submit')}
        </Button>
      </Stack>
    </form>
  );
}
