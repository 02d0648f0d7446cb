import { useQuery } from '@tanstack/react-query';
import { api, ApiError, unwrap, type Schemas } from '../../api/client';
import type { Role } from '../../session/session';

export type System = Schemas['SystemResponseDto'];
export type Dataset = Schemas['DatasetResponseDto'];

/** Every data category the API knows, in its order (labels in i18n `inventory.categories`). */
export const DATA_CATEGORIES: readonly Schemas['CreateFieldDto']['dataCategory'][] = [
  'identity',
  'contact',
  'location',
  'financial',
  'online_identifiers',
  'behaviour',
  'health',
  'biometric',
  'genetic',
  'racial_ethnic_origin',
  'political_opinions',
  'religious_beliefs',
  'trade_union',
  'sex_life_orientation',
  'criminal_convictions',
  'other',
];

/** The inventory is the DPO's to keep; an auditor reads it (the service enforces the same). */
export function canEditInventory(roles: readonly Role[]): boolean {
  return roles.includes('dpo');
}

export const INVENTORY_KEY = ['inventory'] as const;

export function useSystems() {
  return useQuery({
    queryKey: [...INVENTORY_KEY, 'systems'],
    queryFn: async () => unwrap(await api.GET('/systems')).items,
  });
}

export function useDatasets(systemCode: string | null) {
  return useQuery({
    queryKey: [...INVENTORY_KEY, 'datasets', systemCode],
    enabled: systemCode !== null,
    queryFn: async () =>
      unwrap(await api.GET('/systems/{code}/datasets', { params: { path: { code: systemCode! } } })).items,
  });
}

/** All purposes (the matrix's columns, the map's last column and filter). */
export function usePurposes() {
  return useQuery({
    queryKey: ['purposes', 'all'],
    queryFn: async () => unwrap(await api.GET('/purposes', { params: { query: { limit: 500 } } })).items,
  });
}

/** The service's message, with the constraints of each refused property when it lists them. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e);
  const details = Array.isArray(e.body.details) ? (e.body.details as unknown[]) : [];
  const constraints = details.flatMap((d) =>
    typeof d === 'object' && d !== null && Array.isArray((d as { constraints?: unknown }).constraints)
      ? (d as { constraints: unknown[] }).constraints.filter((c): c is string => typeof c === 'string')
      : [],
  );
  return constraints.length > 0 ? `${e.body.message}: ${constraints.join('; ')}` : e.body.message;
}

/** "" → undefined (absent: unchanged) for optional text inputs. */
export const orUndefined = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());
/** "" → null (clear) for optional text inputs of an edit. */
export const orNull = (v: string): string | null => (v.trim() === '' ? null : v.trim());
