import { useSearchParams } from 'react-router';
import { filterParams, type ListFilters } from './listFilters';

type Filters = ListFilters & Record<string, string | number | null>;

/** A list's filters, read from and written to the address (so Back returns to the last search). */
export function useSearchFilters<F extends Filters>(parse: (params: URLSearchParams) => F): [F, (next: F) => void] {
  const [params, setParams] = useSearchParams();
  return [parse(params), (next) => setParams(filterParams(next))];
}
