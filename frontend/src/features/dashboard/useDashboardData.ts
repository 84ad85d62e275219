import { useQuery } from '@tanstack/react-query';
import {
  listCampaignsApiV1CampaignsGetOptions,
  listSendersApiV1SendersGetOptions,
  myStatisticsApiV1UsersMeStatisticsGetOptions,
  mySubscriptionApiV1SubscriptionsMeGetOptions,
} from '../../client/@tanstack/react-query.gen';

const REFRESH_MS = 10_000;
// The API's largest page: the newest campaigns, to count the running ones.
const RECENT_CAMPAIGNS = 200;

/** Everything the dashboard shows, each read from the API (no figure is invented here). */
export function useDashboardData() {
  const subscription = useQuery({ ...mySubscriptionApiV1SubscriptionsMeGetOptions(), refetchInterval: REFRESH_MS });
  const senders = useQuery({ ...listSendersApiV1SendersGetOptions(), refetchInterval: REFRESH_MS });
  const campaigns = useQuery({
    ...listCampaignsApiV1CampaignsGetOptions({ query: { page_size: RECENT_CAMPAIGNS } }),
    refetchInterval: REFRESH_MS,
  });
  // The last 30 days, per day (the API's default range).
  const statistics = useQuery({ ...myStatisticsApiV1UsersMeStatisticsGetOptions(), refetchInterval: REFRESH_MS });
  return { subscription, senders, campaigns, statistics };
}
