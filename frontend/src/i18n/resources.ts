// Every namespace, one per feature: a feature's `locales.ts` exports `fa` and `en`; add it here.
import * as auth from '../features/auth/locales';
import * as dashboard from '../features/dashboard/locales';
import * as common from './common';

export const resources = {
  fa: { common: common.fa, auth: auth.fa, dashboard: dashboard.fa },
  en: { common: common.en, auth: auth.en, dashboard: dashboard.en },
};
