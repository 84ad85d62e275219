import { createTheme, Notification, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  fontFamily: 'Vazirmatn, system-ui, sans-serif',
  headings: { fontFamily: 'Vazirmatn, system-ui, sans-serif' },
  primaryColor: 'teal',
  // The darkest teal: white on it, and it on white, pass WCAG AA contrast.
  primaryShade: 9,
  defaultRadius: 'md',
  components: {
    // Notices close by themselves; an unlabelled close button would be a trap for screen readers.
    Notification: Notification.extend({ defaultProps: { withCloseButton: false } }),
  },
});

/** Mantine's dimmed grey and error red are too faint for small text on white (WCAG AA). */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', '--mantine-color-error': 'var(--mantine-color-red-9)' },
  dark: {},
});
