import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** Application principals, to search or explain by name rather than by id. */
export function useApplications() {
  return useQuery({
    queryKey: ['principals', 'applications'],
    queryFn: async () =>
      unwrap(await api.GET('/principals', { params: { query: { role: 'application', limit: 500 } } })),
  });
}
