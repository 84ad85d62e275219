import { Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../../components/Dialog';
import { newPackageValues, packageBody } from './packageForm';
import { PackageForm } from './PackageForm';
import { useCreatePackage } from './useAdminPackages';

export function NewPackageButton({ currency }: { currency: string }) {
  const { t } = useTranslation('adminPackages');
  const [opened, { open, close }] = useDisclosure();
  const create = useCreatePackage();
  return (
    <>
      <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
        {t('create')}
      </Button>
      <Dialog opened={opened} onClose={close} title={t('form.createTitle')} size="lg">
        <PackageForm
          initialValues={newPackageValues}
          currency={currency}
          submitLabel={t('form.submitCreate')}
          pending={create.isPending}
          onSubmit={(values, onError) =>
            create.mutate(
              { body: packageBody(values) },
              {
                onSuccess: (pkg) => {
                  close();
                  notifications.show({ color: 'teal', message: t('form.created', { title: pkg.title }) });
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
