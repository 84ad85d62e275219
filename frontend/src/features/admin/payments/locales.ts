export const fa = {
  title: 'پرداخت‌ها',
  filters: 'جست‌وجوی پرداخت‌ها',
  found: '{{formatted}} پرداخت',
  caption: 'پرداخت‌های همهٔ کاربران، تازه‌ترین در بالا',
  columns: {
    started: 'آغاز',
    user: 'کاربر',
    package: 'بسته',
    amount: 'مبلغ',
    status: 'وضعیت',
    gateway: 'درگاه',
    paid: 'زمان پرداخت',
    reference: 'کد پیگیری و رسید',
  },
  empty: { title: 'پرداختی پیدا نشد', hint: 'بازهٔ زمانی را بزرگ‌تر کنید یا فیلترها را بردارید.' },
};

export const en: typeof fa = {
  title: 'Payments',
  filters: 'Search payments',
  found: '{{formatted}} payments',
  caption: "Every user's payments, newest first",
  columns: {
    started: 'Started',
    user: 'User',
    package: 'Package',
    amount: 'Amount',
    status: 'Status',
    gateway: 'Gateway',
    paid: 'Paid at',
    reference: 'Reference and invoice',
  },
  empty: { title: 'No payments found', hint: 'Widen the period or clear the filters.' },
};
