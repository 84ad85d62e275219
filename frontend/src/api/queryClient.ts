import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './problem';

const RETRIES = 2;

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will answer the same again; only a network fault or a 5xx is worth another try.
        retry: (failures, error) => failures < RETRIES && !(isApiError(error) && error.status < 500),
      },
    },
  });
}
