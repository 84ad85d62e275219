import { useTranslation } from 'react-i18next';

/** An audit action in the reader's words; one these words do not know yet is shown as written. */
export function useActionLabel(): (action: string) => string {
  const { t } = useTranslation('audit');
  return (action) => t(`actions.${action}`, { defaultValue: action });
}
