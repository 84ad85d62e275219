import { NavLink, ScrollArea, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { useCurrentUser } from '../../hooks/useCurrentUser';
import { adminNavigation, isAdmin, mainNavigation, type NavItem } from '../navigation';

function isActive(item: NavItem, pathname: string): boolean {
  return item.to === '/' ? pathname === '/' : pathname.startsWith(item.to);
}

function NavItems({ items, onNavigate }: { items: NavItem[]; onNavigate: () => void }) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  return items.map((item) => (
    <NavLink
      key={item.to}
      component={RouterLink}
      to={item.to}
      label={t(item.label)}
      leftSection={<item.icon size={18} aria-hidden />}
      active={isActive(item, pathname)}
      variant="filled"
      onClick={onNavigate}
    />
  ));
}

/** The side menu: the person's screens, and the administration's for admins. */
export function NavMenu({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const showAdmin = me.data !== undefined && isAdmin(me.data.role) && adminNavigation.length > 0;
  return (
    <ScrollArea component="nav" aria-label={t('nav.main')}>
      <NavItems items={mainNavigation} onNavigate={onNavigate} />
      {showAdmin && (
        <>
          <Text size="xs" c="dimmed" fw={700} mt="md" mb={4} px="sm">
            {t('nav.admin')}
          </Text>
          <NavItems items={adminNavigation} onNavigate={onNavigate} />
        </>
      )}
    </ScrollArea>
  );
}
