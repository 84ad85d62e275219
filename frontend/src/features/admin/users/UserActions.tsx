import { Group, Select } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Package, UserRole, UserRow } from '../../../client';
import { useCurrentUser } from '../../../hooks/useCurrentUser';
import { ConfirmWithReason } from '../components/ConfirmWithReason';
import { useUserActions } from './useAdminUsers';
import { USER_ROLES } from './userFilters';

/** The API keeps a status change's reason up to 500 characters; other reasons up to 200. */
const STATUS_REASON_MAX = 500;

function RoleChange({ user }: { user: UserRow }) {
  const { t } = useTranslation('adminUsers');
  const actions = useUserActions(user.id);
  const [role, setRole] = useState<UserRole | null>(null);
  return (
    <ConfirmWithReason
      label={t('actions.role')}
      title={t('actions.roleTitle', { name: user.name })}
      body={t('actions.roleBody')}
      confirmLabel={t('actions.roleConfirm')}
      done={t('actions.roleDone', { name: user.name })}
      button={{ color: 'grape' }}
      reason="none"
      ready={role !== null && role !== user.role}
      onConfirm={() => actions.changeRole({ role: role ?? user.role })}
      onClose={() => setRole(null)}
    >
      <Select
        label={t('actions.newRole')}
        data={USER_ROLES.map((value) => ({ value, label: t(`role.${value}`) }))}
        value={role ?? user.role}
        allowDeselect={false}
        onChange={(value) => setRole(value as UserRole)}
        comboboxProps={{ withinPortal: false }}
      />
    </ConfirmWithReason>
  );
}

function GrantPackage({ user, packages }: { user: UserRow; packages: Package[] }) {
  const { t } = useTranslation('adminUsers');
  const actions = useUserActions(user.id);
  const [packageId, setPackageId] = useState<string | null>(null);
  return (
    <ConfirmWithReason
      label={t('actions.grant')}
      title={t('actions.grantTitle', { name: user.name })}
      body={t('actions.grantBody')}
      confirmLabel={t('actions.grantConfirm')}
      done={t('actions.grantDone', { name: user.name })}
      button={{ color: 'teal' }}
      ready={packageId !== null}
      onConfirm={(reason) => actions.grantPackage({ package_id: Number(packageId), reason })}
      onClose={() => setPackageId(null)}
    >
      <Select
        label={t('actions.package')}
        placeholder={t('actions.packageHint')}
        required
        data={packages.filter((pkg) => pkg.status === 'ACTIVE').map((pkg) => ({ value: String(pkg.id), label: pkg.title }))}
        value={packageId}
        onChange={setPackageId}
        comboboxProps={{ withinPortal: false }}
      />
    </ConfirmWithReason>
  );
}

/**
 * What an admin can do to the account, each after a confirmation: ban, deactivate or reactivate
 * it (which pauses their campaigns with the reason), change its role (super admins only), send a
 * password-reset code, sign them out everywhere, or give them a package.
 */
export function UserActions({ user, packages }: { user: UserRow; packages: Package[] }) {
  const { t } = useTranslation('adminUsers');
  const me = useCurrentUser();
  const actions = useUserActions(user.id);
  const name = user.name;
  return (
    <Group gap="xs">
      {user.status === 'ACTIVE' ? (
        <>
          <ConfirmWithReason
            label={t('actions.ban')}
            button={{ color: 'red', variant: 'filled' }}
            title={t('actions.banTitle', { name })}
            body={t('actions.banBody')}
            confirmLabel={t('actions.ban')}
            done={t('actions.banDone', { name })}
            maxLength={STATUS_REASON_MAX}
            onConfirm={(reason) => actions.changeStatus({ status: 'BANNED', reason })}
          />
          <ConfirmWithReason
            label={t('actions.deactivate')}
            button={{ color: 'orange' }}
            title={t('actions.deactivateTitle', { name })}
            body={t('actions.deactivateBody')}
            confirmLabel={t('actions.deactivate')}
            done={t('actions.deactivateDone', { name })}
            maxLength={STATUS_REASON_MAX}
            onConfirm={(reason) => actions.changeStatus({ status: 'INACTIVE', reason })}
          />
        </>
      ) : (
        <ConfirmWithReason
          label={t('actions.reactivate')}
          button={{ color: 'teal', variant: 'filled' }}
          title={t('actions.reactivateTitle', { name })}
          body={t('actions.reactivateBody')}
          confirmLabel={t('actions.reactivate')}
          done={t('actions.reactivateDone', { name })}
          reason="optional"
          maxLength={STATUS_REASON_MAX}
          onConfirm={(reason) => actions.changeStatus({ status: 'ACTIVE', reason: reason || null })}
        />
      )}
      {me.data?.role === 'SUPER_ADMIN' && <RoleChange user={user} />}
      <ConfirmWithReason
        label={t('actions.reset')}
        title={t('actions.resetTitle', { name })}
        body={t('actions.resetBody')}
        confirmLabel={t('actions.resetConfirm')}
        done={t('actions.resetDone', { name })}
        button={{ color: 'blue' }}
        reason="none"
        onConfirm={() => actions.sendPasswordReset()}
      />
      <ConfirmWithReason
        label={t('actions.signOut')}
        title={t('actions.signOutTitle', { name })}
        body={t('actions.signOutBody')}
        confirmLabel={t('actions.signOutConfirm')}
        done={t('actions.signOutDone', { name })}
        button={{ color: 'blue' }}
        reason="none"
        onConfirm={() => actions.endSessions()}
      />
      <GrantPackage user={user} packages={packages} />
    </Group>
  );
}
