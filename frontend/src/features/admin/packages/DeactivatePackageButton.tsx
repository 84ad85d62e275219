import { useTranslation } from 'react-i18next';
import type { Package } from '../../../client';
import { ConfirmAction } from '../../../components/ConfirmAction';
import { useUpdatePackage } from './useAdminPackages';

/** Takes a package off sale, after the admin confirms. */
export function DeactivatePackageButton({ pkg }: { pkg: Package }) {
  const { t } = useTranslation('adminPackages');
  const update = useUpdatePackage();
  return (
    <ConfirmAction
      label={t('table.deactivate')}
      ariaLabel={t('table.deactivateLabel', { title: pkg.title })}
      button={{ variant: 'subtle', color: 'red' }}
      title={t('deactivate.title', { title: pkg.title })}
      body={t('deactivate.body')}
      confirmLabel={t('deactivate.confirm')}
      done={t('deactivate.done', { title: pkg.title })}
      onConfirm={() => update.mutateAsync({ path: { package_id: pkg.id }, body: { status: 'INACTIVE' } })}
    />
  );
}
