import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createPackageApiV1AdminPackagesPostMutation,
  listAllPackagesApiV1AdminPackagesGetOptions,
  listPackagesApiV1PackagesGetQueryKey,
  listAllPackagesApiV1AdminPackagesGetQueryKey,
  platformStatisticsApiV1AdminStatisticsGetOptions,
  updatePackageApiV1AdminPackagesPackageIdPatchMutation,
} from '../../../client/@tanstack/react-query.gen';

export function useAdminPackages() {
  return useQuery(listAllPackagesApiV1AdminPackagesGetOptions());
}

/**
 * The currency prices are written in (PAYAM_CURRENCY): every package carries it; with none yet,
 * the platform's statistics for today say it.
 */
export function useCatalogueCurrency(): string | undefined {
  const packages = useAdminPackages();
  const today = new Date().toISOString().slice(0, 10);
  const statistics = useQuery({
    ...platformStatisticsApiV1AdminStatisticsGetOptions({ query: { since: today, until: today } }),
    enabled: packages.data?.length === 0,
    staleTime: Infinity,
  });
  return packages.data?.[0]?.currency ?? statistics.data?.revenue.currency;
}

function useInvalidatePackages() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: listAllPackagesApiV1AdminPackagesGetQueryKey() }),
      queryClient.invalidateQueries({ queryKey: listPackagesApiV1PackagesGetQueryKey() }),
    ]);
}

export function useCreatePackage() {
  const invalidate = useInvalidatePackages();
  return useMutation({ ...createPackageApiV1AdminPackagesPostMutation(), onSuccess: invalidate });
}

export function useUpdatePackage() {
  const invalidate = useInvalidatePackages();
  return useMutation({ ...updatePackageApiV1AdminPackagesPackageIdPatchMutation(), onSuccess: invalidate });
}
