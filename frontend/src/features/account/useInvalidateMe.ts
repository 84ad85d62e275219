import { useQueryClient } from '@tanstack/react-query';
import { readMeApiV1UsersMeGetQueryKey } from '../../client/@tanstack/react-query.gen';

export function useInvalidateMe() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: readMeApiV1UsersMeGetQueryKey() });
}
