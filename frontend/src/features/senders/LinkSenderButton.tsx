import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Sender } from '../../client';
import { Dialog } from '../../components/Dialog';
import { createBody, newSenderValues } from './senderForm';
import { SenderForm } from './SenderForm';
import { useLinkSender } from './useSenders';
import { WebLinkDialog } from './WebLinkDialog';

export function LinkSenderButton() {
  const { t } = useTranslation('senders');
  const [opened, { open, close }] = useDisclosure();
  const link = useLinkSender();
  // A WhatsApp Web number answers LINKING: its QR code follows in a dialog of its own.
  const [linking, setLinking] = useState<Sender | null>(null);
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
                  if (sender.provider === 'web') setLinking(sender);
                  else notifications.show({ color: 'teal', message: t('form.linked', { name: sender.display_name }) });
                },
                onError,
              },
            )
          }
        />
      </Dialog>
      {linking && <WebLinkDialog sender={linking} opened onClose={() => setLinking(null)} />}
    </>
  );
}
