export const fa = {
  title: 'پیشخوان',
  welcome: 'سلام {{name}}',
};

export const en: typeof fa = {
  title: 'Dashboard',
  welcome: 'Hello {{name}}',
};
