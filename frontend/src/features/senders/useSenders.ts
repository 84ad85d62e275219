import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  linkSenderApiV1SendersPostMutation,
  listSendersApiV1SendersGetOptions,
  listSendersApiV1SendersGetQueryKey,
  removeSenderApiV1SendersSenderIdDeleteMutation,
  updateSenderApiV1SendersSenderIdPatchMutation,
} from '../../client/@tanstack/react-query.gen';

// The API pushes no live events for numbers: their status and today's count are read again
// every few seconds while the screen is open.
const REFRESH_MS = 5_000;

export function useSenders() {
  return useQuery({ ...listSendersApiV1SendersGetOptions(), refetchInterval: REFRESH_MS });
}

function useInvalidateSenders() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: listSendersApiV1SendersGetQueryKey() });
}

export function useLinkSender() {
  const invalidate = useInvalidateSenders();
  return useMutation({ ...linkSenderApiV1SendersPostMutation(), onSuccess: invalidate });
}

export function useUpdateSender() {
  const invalidate = useInvalidateSenders();
  return useMutation({ ...updateSenderApiV1SendersSenderIdPatchMutation(), onSuccess: invalidate });
}

export function useUnlinkSender() {
  const invalidate = useInvalidateSenders();
  return useMutation({ ...removeSenderApiV1SendersSenderIdDeleteMutation(), onSuccess: invalidate });
}
