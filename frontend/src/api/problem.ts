import type { Problem } from '../client';

/** An answer the API refused: its problem+json, with the reason for each field at fault. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, problem: Problem | null, retryAfterSeconds: number | null = null) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** `{field: reason}` for the errors that name a field (the last segment of a dotted path). */
  get fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const error of this.problem?.errors ?? []) {
      if (error.field) {
        const name = error.field.split('.').pop() ?? error.field;
        fields[name] ??= error.reason;
      }
    }
    return fields;
  }

  /** The reason given for the request as a whole, or the problem's detail. */
  get summary(): string {
    const general = this.problem?.errors?.find((error) => !error.field);
    return general?.reason ?? this.problem?.detail ?? `HTTP ${this.status}`;
  }
}

/** The browser could not reach the service at all. */
export class NetworkError extends Error {
  constructor() {
    super('network');
    this.name = 'NetworkError';
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value;
}

export function toApiError(body: unknown, response: Response | undefined): Error {
  if (!response) return new NetworkError();
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiError(
    response.status,
    isProblem(body) ? body : null,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}
