// Words shared by the admin screens' components (namespace `admin`).
export const fa = {
  reason: {
    label: 'دلیل',
    hint: 'صاحب حساب این دلیل را می‌بیند و در گزارش رویدادها هم می‌ماند.',
    optionalHint: 'اختیاری؛ اگر بنویسید در گزارش رویدادها می‌ماند.',
    required: 'دلیل را بنویسید.',
    tooLong: 'دلیل حداکثر {{max}} نویسه باشد.',
  },
  // The API's refusals of admin actions, in the reader's language (anything else shows as it came).
  refusals: {
    'This is the last active super admin': 'این آخرین مدیر ارشد فعال است؛ نخست مدیر ارشد دیگری تعیین کنید.',
    'Only a super admin may manage admins': 'فقط مدیر ارشد می‌تواند حساب مدیران را تغییر دهد.',
    'You cannot do this to your own account': 'این کار را نمی‌توان روی حساب خودتان انجام داد.',
    'You cannot change your own role': 'نقش خودتان را نمی‌توانید تغییر دهید.',
    'This account is not active; activate it first': 'این حساب فعال نیست؛ نخست فعالش کنید.',
  } as Record<string, string>,
  refused: 'انجام نشد: {{reason}}',
};

export const en: typeof fa = {
  reason: {
    label: 'Reason',
    hint: 'The account’s owner sees this reason; it is also kept in the audit log.',
    optionalHint: 'Optional; kept in the audit log if given.',
    required: 'Write a reason.',
    tooLong: 'Keep the reason to {{max}} characters.',
  },
  refusals: {
    'This is the last active super admin': 'This is the last active super admin; make someone else a super admin first.',
    'Only a super admin may manage admins': 'Only a super admin may change an admin’s account.',
    'You cannot do this to your own account': 'You cannot do this to your own account.',
    'You cannot change your own role': 'You cannot change your own role.',
    'This account is not active; activate it first': 'This account is not active; activate it first.',
  },
  refused: 'Not done: {{reason}}',
};
