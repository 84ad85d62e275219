import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  linkSenderApiV1SendersPostMutation,
  listSendersApiV1SendersGetOptions,
  listSendersApiV1SendersGetQueryKey,
  readLinkQrApiV1SendersSenderIdQrGetOptions,
  relinkSenderApiV1SendersSenderIdLinkPostMutation,
  requestPairingCodeApiV1SendersSenderIdPairingCodePostMutation,
  removeSenderApiV1SendersSenderIdDeleteMutation,
  updateSenderApiV1SendersSenderIdPatchMutation,
} from '../../client/@tanstack/react-query.gen';

// Numbers' status and today's count are read again every few seconds while the screen is open
// (the live socket's sender events are not used here yet).
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

// WhatsApp shows a new QR code every 20 seconds or so; reading it every 2 keeps the one shown live.
const QR_REFRESH_MS = 2_000;

export function useLinkQr(senderId: number, enabled: boolean) {
  return useQuery({
    ...readLinkQrApiV1SendersSenderIdQrGetOptions({ path: { sender_id: senderId } }),
    enabled,
    refetchInterval: QR_REFRESH_MS,
    retry: false,
  });
}

export function useRelinkSender() {
  const invalidate = useInvalidateSenders();
  return useMutation({ ...relinkSenderApiV1SendersSenderIdLinkPostMutation(), onSuccess: invalidate });
}

export function usePairingCode() {
  return useMutation(requestPairingCodeApiV1SendersSenderIdPairingCodePostMutation());
}
