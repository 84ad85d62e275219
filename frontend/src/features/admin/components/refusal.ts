import type { TFunction } from 'i18next';
import { describeError } from '../../../api/describeError';
import { ApiError } from '../../../api/problem';

/**
 * Why the API refused an admin's action, as a sentence. A 403 or 409 carries the rule that was
 * broken (the last super admin, an admin's own account…), which the generic words for its
 * problem type would hide; the rest reads as anywhere else in the app.
 */
export function describeRefusal(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && (error.status === 403 || error.status === 409) && error.problem) {
    const known = t('admin:refusals', { returnObjects: true }) as Record<string, string>;
    return known[error.summary] ?? t('admin:refused', { reason: error.summary });
  }
  return describeError(error, t);
}
