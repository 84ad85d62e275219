import { Button, Group, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../../api/describeError';
import type { Package } from '../../../client';
import { Dialog } from '../../../components/Dialog';
import { FormAlert } from '../../../components/FormAlert';
import { useUpdatePackage } from './useAdminPackages';

/** Takes a package off sale, after the admin confirms. */
export function DeactivatePackageButton({ pkg }: { pkg: Package }) {
  const { t } = useTranslation('adminPackages');
  const [opened, { open, close }] = useDisclosure();
  const update = useUpdatePackage();
  const closeAndReset = () => {
    update.reset();
    close();
  };
  return (
    <>
      <Button variant="subtle" color="red" size="xs" onClick={open} aria-label={t('table.deactivateLabel', { title: pkg.title })}>
        {t('table.deactivate')}
      </Button>
      <Dialog opened={opened} onClose={closeAndReset} title={t('deactivate.title', { title: pkg.title })}>
        <Stack>
          <Text size="sm">{t('deactivate.body')}</Text>
          <FormAlert message={update.isError ? describeError(update.error, t) : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={closeAndReset}>
              {t('common:cancel')}
            </Button>
            <Button
              color="red"
              loading={update.isPending}
              onClick={() =>
                update.mutate(
                  { path: { package_id: pkg.id }, body: { status: 'INACTIVE' } },
                  {
                    onSuccess: () => {
                      close();
                      notifications.show({ color: 'teal', message: t('deactivate.done', { title: pkg.title }) });
                    },
                  },
                )
              }
            >
              {t('deactivate.confirm')}
            </Button>
          </Group>
        </Stack>
      </Dialog>
    </>
  );
}
