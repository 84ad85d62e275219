import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  cancelCampaignApiV1AdminCampaignsCampaignIdCancelPostMutation,
  pauseCampaignApiV1AdminCampaignsCampaignIdPausePostMutation,
  restoreNumberApiV1AdminNumbersSenderIdRestorePostMutation,
  searchCampaignsApiV1AdminCampaignsGetOptions,
  searchCampaignsApiV1AdminCampaignsGetQueryKey,
  searchNumbersApiV1AdminNumbersGetOptions,
  searchNumbersApiV1AdminNumbersGetQueryKey,
  suspendNumberApiV1AdminNumbersSenderIdSuspendPostMutation,
  userOverviewApiV1AdminUsersUserIdOverviewGetQueryKey,
} from '../../../client/@tanstack/react-query.gen';
import { campaignSearchQuery, numberSearchQuery, type OversightFilters } from './oversightFilters';

export function useCampaignSearch(filters: OversightFilters) {
  return useQuery({
    ...searchCampaignsApiV1AdminCampaignsGetOptions({ query: campaignSearchQuery(filters) }),
    placeholderData: keepPreviousData,
    enabled: filters.tab === 'campaigns',
  });
}

export function useNumberSearch(filters: OversightFilters) {
  return useQuery({
    ...searchNumbersApiV1AdminNumbersGetOptions({ query: numberSearchQuery(filters) }),
    placeholderData: keepPreviousData,
    enabled: filters.tab === 'numbers',
  });
}

/** A pause, a cancel or a suspension changes campaigns and numbers wherever an admin sees them. */
function useRefreshOversight() {
  const queryClient = useQueryClient();
  // Every user's overview (any user_id): a key names its route by `_id`, and a shorter key matches more.
  const overviews = [{ _id: userOverviewApiV1AdminUsersUserIdOverviewGetQueryKey({ path: { user_id: 0 } })[0]._id }];
  const keys = [searchCampaignsApiV1AdminCampaignsGetQueryKey(), searchNumbersApiV1AdminNumbersGetQueryKey(), overviews];
  return () => Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

export function useCampaignActions() {
  const onSuccess = useRefreshOversight();
  const pause = useMutation({ ...pauseCampaignApiV1AdminCampaignsCampaignIdPausePostMutation(), onSuccess });
  const cancel = useMutation({ ...cancelCampaignApiV1AdminCampaignsCampaignIdCancelPostMutation(), onSuccess });
  return {
    pause: (campaignId: number, reason: string) => pause.mutateAsync({ path: { campaign_id: campaignId }, body: { reason } }),
    cancel: (campaignId: number, reason: string) => cancel.mutateAsync({ path: { campaign_id: campaignId }, body: { reason } }),
  };
}

export function useNumberActions() {
  const onSuccess = useRefreshOversight();
  const suspend = useMutation({ ...suspendNumberApiV1AdminNumbersSenderIdSuspendPostMutation(), onSuccess });
  const restore = useMutation({ ...restoreNumberApiV1AdminNumbersSenderIdRestorePostMutation(), onSuccess });
  return {
    suspend: (senderId: number, reason: string) => suspend.mutateAsync({ path: { sender_id: senderId }, body: { reason } }),
    restore: (senderId: number) => restore.mutateAsync({ path: { sender_id: senderId } }),
  };
}
