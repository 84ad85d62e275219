import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import type { Package } from '../../../client';
import { Dialog } from '../../../components/Dialog';
import { packageBody, valuesOf } from './packageForm';
import { PackageForm } from './PackageForm';
import { useUpdatePackage } from './useAdminPackages';

export function EditPackageButton({ pkg, currency }: { pkg: Package; currency: string }) {
  const { t } = useTranslation('adminPackages');
  const [opened, { open, close }] = useDisclosure();
  const update = useUpdatePackage();
  return (
    <>
      <Button variant="default" size="xs" onClick={open} aria-label={t('table.editLabel', { title: pkg.title })}>
        {t('table.edit')}
      </Button>
      <Dialog opened={opened} onClose={close} title={t('form.editTitle', { title: pkg.title })} size="lg">
        <PackageForm
          initialValues={valuesOf(pkg)}
          currency={currency}
          submitLabel={t('form.submitEdit')}
          pending={update.isPending}
          onSubmit={(values, onError) =>
            update.mutate(
              { path: { package_id: pkg.id }, body: packageBody(values) },
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
