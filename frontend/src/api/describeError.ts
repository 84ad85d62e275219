import type { TFunction } from 'i18next';
import { ApiError, NetworkError } from './problem';

/** A sentence telling the person what went wrong and what to do about it. */
export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof NetworkError) return t('common:errors.network');
  if (error instanceof ApiError) {
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
