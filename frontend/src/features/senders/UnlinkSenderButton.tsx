import { Button, Group, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { describeError } from '../../api/describeError';
import type { Sender } from '../../client';
import { FormAlert } from '../../components/FormAlert';
import { useUnlinkSender } from './useSenders';

export function UnlinkSenderButton({ sender }: { sender: Sender }) {
  const { t } = useTranslation('senders');
  const [opened, { open, close }] = useDisclosure();
  const unlink = useUnlinkSender();
  const closeAndReset = () => {
    unlink.reset();
    close();
  };
  return (
    <>
      <Button variant="subtle" color="red" size="xs" onClick={open}>
        {t('card.unlink')}
      </Button>
      <Dialog opened={opened} onClose={closeAndReset} title={t('unlink.title', { name: sender.display_name })}>
        <Stack>
          <Text size="sm">{t('unlink.body')}</Text>
          <FormAlert message={unlink.isError ? describeError(unlink.error, t) : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={closeAndReset}>
              {t('common:cancel')}
            </Button>
            <Button
              color="red"
              loading={unlink.isPending}
              onClick={() =>
                unlink.mutate(
                  { path: { sender_id: sender.id } },
                  {
                    onSuccess: () => {
                      close();
                      notifications.show({ color: 'teal', message: t('unlink.done') });
                    },
                  },
                )
              }
            >
              {t('unlink.confirm')}
            </Button>
          </Group>
        </Stack>
      </Dialog>
    </>
  );
}
