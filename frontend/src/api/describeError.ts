import type { TFunction } from 'i18next';
import { ApiError, NetworkError } from './problem';

/** The problem's kind in the reader's language, when the app knows it (common:problems). */
export function translatedProblem(error: ApiError, t: TFunction): string | null {
  const kind = error.problem?.type.split('/').pop();
  const key = `common:problems.${kind}`;
  return kind && t(key, { defaultValue: '' }) ? t(key) : null;
}

/** A sentence telling the person what went wrong and what to do about it. */
export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof NetworkError) return t('common:errors.network');
  if (error instanceof ApiError) {
    const translated = translatedProblem(error, t);
    if (translated) return translated;
    if (error.status === 429) {
      return t('common:errors.rateLimited', { seconds: error.retryAfterSeconds ?? 60 });
    }
    if (error.status >= 500 || !error.problem) {
      return t('common:errors.server', { requestId: error.problem?.request_id ?? '-' });
    }
    return error.summary;
  }
  return t('common:errors.server', { requestId: '-' });
}
