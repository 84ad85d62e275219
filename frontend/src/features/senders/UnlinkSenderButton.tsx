import { useTranslation } from 'react-i18next';
import type { Sender } from '../../client';
import { ConfirmAction } from '../../components/ConfirmAction';
import { useUnlinkSender } from './useSenders';

export function UnlinkSenderButton({ sender }: { sender: Sender }) {
  const { t } = useTranslation('senders');
  const unlink = useUnlinkSender();
  return (
    <ConfirmAction
      label={t('card.unlink')}
      button={{ variant: 'subtle', color: 'red' }}
      title={t('unlink.title', { name: sender.display_name })}
      body={t('unlink.body')}
      confirmLabel={t('unlink.confirm')}
      done={t('unlink.done')}
      onConfirm={() => unlink.mutateAsync({ path: { sender_id: sender.id } })}
    />
  );
}
