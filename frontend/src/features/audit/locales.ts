// The audit log's vocabulary (src/payam/audit): what each recorded action means, for the admin's
// audit log and for the security events a user reads about themselves.
export const fa = {
  actions: {
    auth: {
      login: 'ورود',
      login_failed: 'ورود ناموفق',
      locked_out: 'قفل شدن حساب پس از تلاش‌های ناموفق',
      logout: 'خروج',
      refresh_token_reused: 'استفادهٔ دوباره از نشست باطل‌شده',
      session_ended: 'پایان یک نشست',
    },
    user: {
      registered: 'ثبت‌نام',
      profile_updated: 'تغییر مشخصات',
      password_changed: 'تغییر رمز عبور',
      password_change_failed: 'تلاش ناموفق برای تغییر رمز عبور',
      password_reset: 'بازنشانی رمز عبور',
      contact_verified: 'تأیید ایمیل یا شماره',
      contact_released: 'آزاد شدن ایمیل یا شماره',
    },
    api_key: { created: 'ساخت کلید API', revoked: 'باطل کردن کلید API' },
    billing: { package_bought: 'خرید بسته' },
    sender: { linked: 'اتصال شمارهٔ واتس‌اپ' },
    admin: {
      created: 'ساخت مدیر',
      user_status_changed: 'تغییر وضعیت کاربر',
      user_role_changed: 'تغییر نقش کاربر',
      password_reset_sent: 'فرستادن کد بازنشانی رمز',
      sessions_ended: 'خارج کردن همهٔ دستگاه‌های کاربر',
      package_created: 'ساخت بسته',
      package_updated: 'ویرایش بسته',
      package_deleted: 'پاک کردن بسته',
      package_granted: 'اهدای بسته',
      campaign_paused: 'توقف کارزار به دست مدیر',
      campaign_cancelled: 'لغو کارزار به دست مدیر',
      number_suspended: 'تعلیق شماره',
      number_restored: 'رفع تعلیق شماره',
    },
  },
};

export const en: typeof fa = {
  actions: {
    auth: {
      login: 'Sign-in',
      login_failed: 'Failed sign-in',
      locked_out: 'Locked out after failed sign-ins',
      logout: 'Sign-out',
      refresh_token_reused: 'A revoked session was reused',
      session_ended: 'A session was ended',
    },
    user: {
      registered: 'Sign-up',
      profile_updated: 'Profile changed',
      password_changed: 'Password changed',
      password_change_failed: 'Failed password change',
      password_reset: 'Password reset',
      contact_verified: 'E-mail or phone verified',
      contact_released: 'E-mail or phone released',
    },
    api_key: { created: 'API key created', revoked: 'API key revoked' },
    billing: { package_bought: 'Package bought' },
    sender: { linked: 'WhatsApp number linked' },
    admin: {
      created: 'Admin created',
      user_status_changed: "User's status changed",
      user_role_changed: "User's role changed",
      password_reset_sent: 'Password reset code sent',
      sessions_ended: "All of a user's devices signed out",
      package_created: 'Package created',
      package_updated: 'Package edited',
      package_deleted: 'Package deleted',
      package_granted: 'Package granted',
      campaign_paused: 'Campaign paused by an admin',
      campaign_cancelled: 'Campaign cancelled by an admin',
      number_suspended: 'Number suspended',
      number_restored: 'Number restored',
    },
  },
};

/** Every action the words above name, as the API writes it (`auth.login`). */
export const KNOWN_ACTIONS: string[] = Object.entries(fa.actions).flatMap(([group, actions]) =>
  Object.keys(actions).map((name) => `${group}.${name}`),
);
