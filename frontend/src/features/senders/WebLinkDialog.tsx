import { Alert, Button, Center, Group, Image, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../api/describeError';
import type { Sender } from '../../client';
import { Dialog } from '../../components/Dialog';
import { FormAlert } from '../../components/FormAlert';
import { useLinkQr, usePairingCode, useRelinkSender, useSenders } from './useSenders';

interface Props {
  sender: Sender;
  opened: boolean;
  onClose: () => void;
}

/** Linking a WhatsApp Web number: its QR code as it renews, or a pairing code, until it links. */
export function WebLinkDialog({ sender, opened, onClose }: Props) {
  const { t } = useTranslation('senders');
  const common = useTranslation().t;
  const current = useSenders().data?.find((each) => each.id === sender.id) ?? sender;
  const linking = current.status === 'LINKING';
  const qr = useLinkQr(sender.id, opened && linking);
  const relink = useRelinkSender();
  const pairing = usePairingCode();
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const { reset: forgetCode } = pairing;
  // The dialog stays mounted between openings: a new opening starts clean (no old error, no
  // pairing code that has expired since).
  const close = useCallback(() => {
    setError(null);
    setPhone('');
    forgetCode();
    onClose();
  }, [forgetCode, onClose]);

  useEffect(() => {
    if (opened && current.status === 'CONNECTED') {
      onClose();
      notifications.show({ color: 'teal', message: t('web.linked', { name: sender.display_name }) });
    }
  }, [opened, current.status, onClose, sender.display_name, t]);

  return (
    <Dialog opened={opened} onClose={close} title={t('web.title', { name: sender.display_name })}>
      <Stack>
        <FormAlert message={error} />
        {!linking && current.status !== 'CONNECTED' && (
          <Alert color="orange" title={t('web.stopped')}>
            <Stack gap="xs">
              {current.status_reason && <Text size="sm">{current.status_reason}</Text>}
              <Button
                loading={relink.isPending}
                onClick={() => {
                  setError(null);
                  forgetCode();
                  relink.mutate(
                    { path: { sender_id: sender.id } },
                    { onError: (failure) => setError(describeError(failure, common)) },
                  );
                }}
              >
                {t('web.again')}
              </Button>
            </Stack>
          </Alert>
        )}
        {linking && (
          <>
            <Text size="sm">{t('web.steps')}</Text>
            <Center>
              {qr.data ? (
                <Image src={qr.data.png} alt={t('web.qrAlt')} w={256} h={256} />
              ) : qr.isError ? (
                <FormAlert message={describeError(qr.error, common)} />
              ) : (
                <Stack align="center" gap="xs">
                  <Loader />
                  <Text size="sm" c="dimmed">
                    {t('web.waiting')}
                  </Text>
                </Stack>
              )}
            </Center>
            <Title order={3} size="h5">
              {t('web.byCode')}
            </Title>
            <Group align="end" wrap="nowrap">
              <TextInput
                label={t('web.phone')}
                type="tel"
                dir="ltr"
                value={phone}
                onChange={(event) => setPhone(event.currentTarget.value)}
                style={{ flex: 1 }}
              />
              <Button
                variant="default"
                loading={pairing.isPending}
                disabled={!phone.trim()}
                onClick={() => {
                  setError(null);
                  pairing.mutate(
                    { path: { sender_id: sender.id }, body: { phone: phone.trim() } },
                    { onError: (failure) => setError(describeError(failure, common)) },
                  );
                }}
              >
                {t('web.getCode')}
              </Button>
            </Group>
            {pairing.data && (
              <Stack gap={4}>
                <Text size="sm">{t('web.code')}</Text>
                <Text size="xl" fw={700} ff="monospace" dir="ltr" ta="center">
                  {pairing.data.code}
                </Text>
              </Stack>
            )}
          </>
        )}
      </Stack>
    </Dialog>
  );
}
