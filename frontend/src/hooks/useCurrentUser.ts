import { useQuery } from '@tanstack/react-query';
import { readMeApiV1UsersMeGetOptions } from '../client/@tanstack/react-query.gen';

/** The signed-in person (GET /users/me); an ApiError 401 when nobody is signed in. */
export function useCurrentUser() {
  return useQuery({ ...readMeApiV1UsersMeGetOptions(), retry: false, staleTime: 60_000 });
}
