import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { createBody, newSenderValues } from './senderForm';
import { SenderForm } from './SenderForm';
import { useLinkSender } from './useSenders';

export function LinkSenderButton() {
  const { t } = useTranslation('senders');
  const [opened, { open, close }] = useDisclosure();
  const link = useLinkSender();
  return (
    <>
      <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
        {t('link')}
      </Button>
      <Dialog opened={opened} onClose={close} title={t('form.linkTitle')}>
        <SenderForm
          initialValues={newSenderValues}
          withPhone
          submitLabel={t('form.submitLink')}
          pending={link.isPending}
          onSubmit={(values, onError) =>
            link.mutate(
              { body: createBody(values) },
              {
                onSuccess: (sender) => {
                  close();
                  notifications.show({ color: 'teal', message: t('form.linked', { name: sender.display_name }) });
                },
                onError,
              },
            )
          }
        />
      </Dialog>
    </>
  );
}
