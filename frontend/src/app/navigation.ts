import { IconChartBar, IconCreditCard, IconHeartbeat, IconLayoutDashboard, IconListSearch, IconPackage, IconReceipt, IconSpeakerphone, IconUserCircle, IconBrandWhatsapp, IconUsers, IconBroadcast } from '@tabler/icons-react';
import type { ComponentType } from 'react';
import type { UserRole } from '../client';

export interface NavItem {
  to: string;
  /** A key in the common namespace. */
  label: string;
  icon: ComponentType<{ size?: number; 'aria-hidden'?: boolean }>;
}

/** The signed-in person's screens, in menu order. */
export const mainNavigation: NavItem[] = [
  { to: '/', label: 'nav.dashboard', icon: IconLayoutDashboard },
  { to: '/campaigns', label: 'nav.campaigns', icon: IconSpeakerphone },
  { to: '/numbers', label: 'nav.numbers', icon: IconBrandWhatsapp },
  { to: '/billing', label: 'nav.billing', icon: IconCreditCard },
  { to: '/account', label: 'nav.account', icon: IconUserCircle },
];

/** The administration screens (the admin console adds its items here); shown to admins only. */
export const adminNavigation: NavItem[] = [
  { to: '/admin/statistics', label: 'nav.statistics', icon: IconChartBar },
  { to: '/admin/users', label: 'nav.users', icon: IconUsers },
  { to: '/admin/campaigns', label: 'nav.oversight', icon: IconBroadcast },
  { to: '/admin/packages', label: 'nav.packages', icon: IconPackage },
  { to: '/admin/payments', label: 'nav.payments', icon: IconReceipt },
  { to: '/admin/audit', label: 'nav.audit', icon: IconListSearch },
  { to: '/admin/system', label: 'nav.system', icon: IconHeartbeat },
];

export function isAdmin(role: UserRole): boolean {
  return role === 'ADMIN' || role === 'SUPER_ADMIN';
}
