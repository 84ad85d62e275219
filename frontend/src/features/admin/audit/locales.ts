export const fa = {
  title: 'گزارش رویدادها',
  intro: 'هر کار مدیران و هر رویداد امنیتی (ورود، ورود ناموفق، تغییر رمز، تغییر نقش یا وضعیت…) با انجام‌دهنده، کاربری که به او مربوط است، نشانی IP و زمان ثبت می‌شود.',
  filters: 'جست‌وجو در گزارش',
  action: 'رویداد',
  anyAction: 'همهٔ رویدادها',
  found: '{{formatted}} رویداد',
  caption: 'رویدادها، تازه‌ترین در بالا',
  system: 'سامانه',
  columns: { time: 'زمان', action: 'رویداد', actor: 'انجام‌دهنده', subject: 'کاربر', address: 'نشانی IP', details: 'جزئیات' },
  empty: { title: 'رویدادی پیدا نشد', hint: 'بازهٔ زمانی را بزرگ‌تر کنید یا فیلترها را بردارید.' },
};

export const en: typeof fa = {
  title: 'Audit log',
  intro: 'Every admin action and every security event (sign-in, failed sign-in, password change, role or status change…) is recorded with who did it, whom it concerns, the IP address and the time.',
  filters: 'Search the log',
  action: 'Event',
  anyAction: 'Every event',
  found: '{{formatted}} events',
  caption: 'Events, newest first',
  system: 'The system',
  columns: { time: 'Time', action: 'Event', actor: 'Done by', subject: 'User', address: 'IP address', details: 'Details' },
  empty: { title: 'No events found', hint: 'Widen the period or clear the filters.' },
};
