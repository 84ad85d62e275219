import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  changeUserRoleApiV1AdminUsersUserIdRolePutMutation,
  changeUserStatusApiV1AdminUsersUserIdStatusPutMutation,
  endUserSessionsApiV1AdminUsersUserIdSessionsDeleteMutation,
  grantPackageApiV1AdminUsersUserIdSubscriptionGrantsPostMutation,
  listAllPackagesApiV1AdminPackagesGetOptions,
  searchUsersApiV1AdminUsersGetOptions,
  searchUsersApiV1AdminUsersGetQueryKey,
  sendPasswordResetApiV1AdminUsersUserIdPasswordResetPostMutation,
  userOverviewApiV1AdminUsersUserIdOverviewGetOptions,
  userOverviewApiV1AdminUsersUserIdOverviewGetQueryKey,
} from '../../../client/@tanstack/react-query.gen';
import { userSearchQuery, type UserFilters } from './userFilters';

export function useUserSearch(filters: UserFilters) {
  // "In the last week" is fixed when the filters change, so the query's key stays put between renders.
  const query = useMemo(() => userSearchQuery(filters, new Date()), [filters]);
  return useQuery({ ...searchUsersApiV1AdminUsersGetOptions({ query }), placeholderData: keepPreviousData });
}

export function useUserOverview(userId: number) {
  return useQuery(userOverviewApiV1AdminUsersUserIdOverviewGetOptions({ path: { user_id: userId } }));
}

/** Every package, by id: the names of what a user bought or was given, and what may be granted. */
export function usePackages() {
  return useQuery(listAllPackagesApiV1AdminPackagesGetOptions());
}

/** After any action on a user, their picture and the table are read again. */
function useRefreshUser(userId: number) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: userOverviewApiV1AdminUsersUserIdOverviewGetQueryKey({ path: { user_id: userId } }) }),
      queryClient.invalidateQueries({ queryKey: searchUsersApiV1AdminUsersGetQueryKey() }),
    ]);
}

/** Each action on one user, ready for `ConfirmWithReason`'s `onConfirm`. */
export function useUserActions(userId: number) {
  const refresh = useRefreshUser(userId);
  const path = { user_id: userId };
  const status = useMutation({ ...changeUserStatusApiV1AdminUsersUserIdStatusPutMutation(), onSuccess: refresh });
  const role = useMutation({ ...changeUserRoleApiV1AdminUsersUserIdRolePutMutation(), onSuccess: refresh });
  const reset = useMutation(sendPasswordResetApiV1AdminUsersUserIdPasswordResetPostMutation());
  const sessions = useMutation({ ...endUserSessionsApiV1AdminUsersUserIdSessionsDeleteMutation(), onSuccess: refresh });
  const grant = useMutation({ ...grantPackageApiV1AdminUsersUserIdSubscriptionGrantsPostMutation(), onSuccess: refresh });
  return {
    changeStatus: (body: Parameters<typeof status.mutateAsync>[0]['body']) => status.mutateAsync({ path, body }),
    changeRole: (body: Parameters<typeof role.mutateAsync>[0]['body']) => role.mutateAsync({ path, body }),
    sendPasswordReset: () => reset.mutateAsync({ path }),
    endSessions: () => sessions.mutateAsync({ path }),
    grantPackage: (body: Parameters<typeof grant.mutateAsync>[0]['body']) => grant.mutateAsync({ path, body }),
  };
}
