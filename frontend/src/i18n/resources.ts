// Every namespace, one per feature: a feature's `locales.ts` exports `fa` and `en`; add it here.
import * as account from '../features/account/locales';
import * as admin from '../features/admin/components/locales';
import * as adminCampaigns from '../features/admin/campaigns/locales';
import * as adminAudit from '../features/admin/audit/locales';
import * as adminFilters from '../features/admin/filters/locales';
import * as adminPackages from '../features/admin/packages/locales';
import * as adminPayments from '../features/admin/payments/locales';
import * as adminStatistics from '../features/admin/statistics/locales';
import * as adminSystem from '../features/admin/system/locales';
import * as audit from '../features/audit/locales';
import * as adminUsers from '../features/admin/users/locales';
import * as auth from '../features/auth/locales';
import * as billing from '../features/billing/locales';
import * as campaigns from '../features/campaigns/locales';
import * as dashboard from '../features/dashboard/locales';
import * as senders from '../features/senders/locales';
import * as imports from '../features/imports/locales';
import * as common from './common';

export const resources = {
  fa: { common: common.fa, auth: auth.fa, dashboard: dashboard.fa, senders: senders.fa, billing: billing.fa, account: account.fa, campaigns: campaigns.fa, imports: imports.fa, adminPackages: adminPackages.fa, admin: admin.fa, adminUsers: adminUsers.fa, adminCampaigns: adminCampaigns.fa, adminFilters: adminFilters.fa, adminStatistics: adminStatistics.fa, adminAudit: adminAudit.fa, adminSystem: adminSystem.fa, adminPayments: adminPayments.fa, audit: audit.fa },
  en: { common: common.en, auth: auth.en, dashboard: dashboard.en, senders: senders.en, billing: billing.en, account: account.en, campaigns: campaigns.en, imports: imports.en, adminPackages: adminPackages.en, admin: admin.en, adminUsers: adminUsers.en, adminCampaigns: adminCampaigns.en, adminFilters: adminFilters.en, adminStatistics: adminStatistics.en, adminAudit: adminAudit.en, adminSystem: adminSystem.en, adminPayments: adminPayments.en, audit: audit.en },
};
