export const fa = {
  period: 'بازهٔ زمانی',
  periods: {
    day: '۲۴ ساعت گذشته',
    week: '۷ روز گذشته',
    month: '۳۰ روز گذشته',
    quarter: '۹۰ روز گذشته',
    year: 'یک سال گذشته',
    all: 'همهٔ زمان‌ها',
  },
  user: 'شناسهٔ کاربر',
  userHint: 'خالی: همهٔ کاربران',
  userNumber: 'کاربر {{id}}',
  all: 'همه',
  pagination: 'صفحه‌ها',
};

export const en: typeof fa = {
  period: 'Period',
  periods: {
    day: 'Last 24 hours',
    week: 'Last 7 days',
    month: 'Last 30 days',
    quarter: 'Last 90 days',
    year: 'Last year',
    all: 'All time',
  },
  user: 'User id',
  userHint: 'Empty: every user',
  userNumber: 'User {{id}}',
  all: 'All',
  pagination: 'Pages',
};
