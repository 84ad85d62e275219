import type { UseFormReturnType } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { describeError, translatedProblem } from '../api/describeError';
import { ApiError } from '../api/problem';

/**
 * Puts an API refusal where it belongs: each field's reason under its input (in the reader's
 * language when the app knows the problem), and returns a sentence for the whole form, or null
 * when every reason found its input.
 */
export function useProblemForm<Values extends object>(form: UseFormReturnType<Values>) {
  const { t } = useTranslation();
  return (error: unknown): string | null => {
    if (error instanceof ApiError) {
      const fields = error.fieldErrors;
      const known = Object.keys(fields).filter((field) => field in form.getValues());
      const translated = translatedProblem(error, t);
      for (const field of known) form.setFieldError(field, translated ?? fields[field]);
      if (known.length > 0 && known.length === Object.keys(fields).length) return null;
    }
    return describeError(error, t);
  };
}
