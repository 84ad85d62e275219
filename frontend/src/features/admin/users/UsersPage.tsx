import { useSearchParams } from 'react-router';
import { ListScreen } from '../filters/ListScreen';
import { useUserSearch } from './useAdminUsers';
import { UserFilterBar } from './UserFilterBar';
import { parseUserFilters, sortedBy, userFiltersToParams, type UserFilters } from './userFilters';
import { UserTable } from './UserTable';

/** Every account on the platform: search, filter, sort, and open one to act on it. */
export default function UsersPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseUserFilters(params);
  const setFilters = (next: UserFilters) => setParams(userFiltersToParams(next));
  const users = useUserSearch(filters);
  return (
    <ListScreen
      namespace="adminUsers"
      filters={<UserFilterBar key={filters.q} filters={filters} onChange={setFilters} />}
      result={users}
      page={filters.page}
      onPage={(page) => setFilters({ ...filters, page })}
      table={(items) => <UserTable users={items} filters={filters} onSort={(column) => setFilters(sortedBy(filters, column))} />}
    />
  );
}
