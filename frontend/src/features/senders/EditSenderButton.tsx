import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import type { Sender } from '../../client';
import { updateBody, valuesOf } from './senderForm';
import { SenderForm } from './SenderForm';
import { useUpdateSender } from './useSenders';

export function EditSenderButton({ sender }: { sender: Sender }) {
  const { t } = useTranslation('senders');
  const [opened, { open, close }] = useDisclosure();
  const update = useUpdateSender();
  return (
    <>
      <Button variant="default" size="xs" onClick={open}>
        {t('card.edit')}
      </Button>
      <Dialog opened={opened} onClose={close} title={t('form.editTitle', { name: sender.display_name })}>
        <SenderForm
          initialValues={valuesOf(sender)}
          withPhone={false}
          submitLabel={t('form.submitEdit')}
          pending={update.isPending}
          onSubmit={(values, onError) =>
            update.mutate(
              { path: { sender_id: sender.id }, body: updateBody(values) },
              {
                onSuccess: () => {
                  close();
                  notifications.show({ color: 'teal', message: t('common:saved') });
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
