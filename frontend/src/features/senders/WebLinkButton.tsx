import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import type { Sender } from '../../client';
import { WebLinkDialog } from './WebLinkDialog';

/** On a WhatsApp Web number not connected: shows its QR code, or links it again. */
export function WebLinkButton({ sender }: { sender: Sender }) {
  const { t } = useTranslation('senders');
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <Button size="xs" onClick={open}>
        {t('web.link')}
      </Button>
      <WebLinkDialog sender={sender} opened={opened} onClose={close} />
    </>
  );
}
