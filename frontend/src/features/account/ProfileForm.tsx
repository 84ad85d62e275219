import { Button, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../client';
import { updateMeApiV1UsersMePatchMutation } from '../../client/@tanstack/react-query.gen';
import { FormAlert } from '../../components/FormAlert';
import { useProblemForm } from '../../hooks/useProblemForm';
import { latinDigits, required, validEmail, validPhone, validUsername } from '../auth/validation';
import { ContactStatus } from './ContactStatus';
import { useInvalidateMe } from './useInvalidateMe';

export function ProfileForm({ user }: { user: User }) {
  const { t } = useTranslation('account');
  const invalidateMe = useInvalidateMe();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: user.name, username: user.username ?? '', email: user.email ?? '', phone: user.phone ?? '' },
    validate: {
      name: (value) => required(value, t),
      username: (value) => validUsername(value, t),
      email: (value) => validEmail(value, t),
      phone: (value) => validPhone(value, t),
    },
  });
  const showProblem = useProblemForm(form);
  const update = useMutation(updateMeApiV1UsersMePatchMutation());

  const submit = form.onSubmit((values) => {
    setFormError(null);
    const contactChanged = values.email !== (user.email ?? '') || values.phone !== (user.phone ?? '');
    update.mutate(
      { body: { ...values, name: values.name.trim(), email: values.email.trim(), phone: latinDigits(values.phone) } },
      {
        onSuccess: (saved) => {
          void invalidateMe();
          form.setValues({ email: saved.email ?? '', phone: saved.phone ?? '' });
          form.resetDirty();
          notifications.show({ color: 'teal', message: contactChanged ? t('profile.reverify') : t('profile.saved') });
        },
        onError: (error) => setFormError(showProblem(error)),
      },
    );
  });

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="profile-title">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} size="h4" id="profile-title">
            {t('profile.title')}
          </Title>
          <FormAlert message={formError} />
          <TextInput label={t('auth:fields.name')} autoComplete="name" required {...form.getInputProps('name')} />
          <TextInput label={t('auth:fields.username')} description={t('auth:fields.usernameHint')} dir="ltr" required {...form.getInputProps('username')} />
          <TextInput label={t('auth:fields.email')} type="email" autoComplete="email" dir="ltr" required {...form.getInputProps('email')} />
          {user.email && <ContactStatus purpose="VERIFY_EMAIL" destination={user.email} verified={user.email_verified} />}
          <TextInput label={t('auth:fields.phone')} type="tel" autoComplete="tel" dir="ltr" required {...form.getInputProps('phone')} />
          {user.phone && <ContactStatus purpose="VERIFY_PHONE" destination={user.phone} verified={user.phone_verified} />}
          <Button type="submit" loading={update.isPending} style={{ alignSelf: 'flex-start' }}>
            {t('profile.submit')}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
