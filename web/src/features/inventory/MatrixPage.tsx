import { Alert, Badge, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../session/session';
import {
  canEditInventory,
  DATA_CATEGORIES,
  INVENTORY_KEY,
  usePurposes,
  useSystems,
} from './inventory-queries';
import { MatrixCell } from './MatrixCell';
import { matrixColumns, type Field } from './matrix-model';

type Page = Schemas['PersonalFieldPageDto'];
type Category = (typeof DATA_CATEGORIES)[number];

const PAGE_SIZE = 500;
const ROW_HEIGHT = 44;

/**
 * The field × purpose matrix. Rows come page by page (keyset cursor) as the DPO scrolls and only
 * the rows on screen are in the DOM, so 10,000 fields cost one page's request and a screenful of
 * rows (ADR 0046).
 */
export default function MatrixPage() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const editable = canEditInventory(session?.principal.roles ?? []);
  const client = useQueryClient();
  const [system, setSystem] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const systems = useSystems();
  const purposes = usePurposes();
  const lang = i18n.language === 'fr' ? 'fr' : 'en';

  const queryKey = [...INVENTORY_KEY, 'matrix', { system, category }];
  const rows = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/fields', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(system ? { system } : {}),
              ...(category ? { category: category as Category } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const fields = useMemo(() => rows.data?.pages.flatMap((p) => p.items) ?? [], [rows.data]);
  const columns = useMemo(() => matrixColumns(purposes.data ?? [], fields), [purposes.data, fields]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: fields.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (lastIndex >= fields.length - 50 && rows.hasNextPage && !rows.isFetchingNextPage)
      void rows.fetchNextPage();
  }, [lastIndex, fields.length, rows]);

  /** The saved field replaces its row in place: no reload, the DPO keeps their scroll position. */
  function replaceRow(saved: Field) {
    client.setQueryData<InfiniteData<Page>>(queryKey, (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((p) => ({
              ...p,
              items: p.items.map((f) => (f.key === saved.key ? saved : f)),
            })),
          }
        : data,
    );
    void client.invalidateQueries({ queryKey: [...INVENTORY_KEY, 'fields'] });
    void client.invalidateQueries({ queryKey: [...INVENTORY_KEY, 'map'] });
  }

  const paddingTop = items.length > 0 ? items[0].start : 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  const colSpan = 3 + columns.length;

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('matrix.title')}
      </Title>
      {!editable && <Alert color="gray">{t('inventory.readOnly')}</Alert>}
      <Group align="flex-end">
        <Select
          label={t('matrix.filters.system')}
          placeholder={t('matrix.filters.any')}
          clearable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={system}
          onChange={setSystem}
          data={(systems.data ?? []).map((s) => ({ value: s.code, label: s.name }))}
        />
        <Select
          label={t('matrix.filters.category')}
          placeholder={t('matrix.filters.any')}
          clearable
          searchable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={category}
          onChange={setCategory}
          data={DATA_CATEGORIES.map((c) => ({ value: c, label: t(`inventory.categories.${c}`) }))}
        />
        <Text size="sm" role="status" data-testid="matrix-count">
          {t('matrix.loaded', { count: fields.length })}
          {rows.hasNextPage ? ` ${t('matrix.more')}` : ''}
        </Text>
      </Group>
      {rows.isSuccess && fields.length === 0 ? (
        <Text>{t('matrix.empty')}</Text>
      ) : (
        <div
          ref={scrollRef}
          tabIndex={0}
          role="region"
          aria-label={t('matrix.title')}
          style={{ height: '70vh', overflow: 'auto', border: '1px solid var(--mantine-color-gray-4)' }}
        >
          <table style={{ borderCollapse: 'collapse', width: 'max-content', minWidth: '100%' }}>
            <caption style={{ position: 'absolute', left: -10000 }}>{t('matrix.caption')}</caption>
            <thead style={{ position: 'sticky', top: 0, background: 'var(--mantine-color-body)', zIndex: 1 }}>
              <tr>
                <th scope="col" style={th}>
                  {t('matrix.field')}
                </th>
                <th scope="col" style={th}>
                  {t('inventory.fields.category')}
                </th>
                <th scope="col" style={th}>
                  {t('inventory.fields.retention')}
                </th>
                {columns.map((p) => (
                  <th key={p.code} scope="col" style={th}>
                    <div>{p.name}</div>
                    <Text size="xs" component="div">
                      {p.code}
                      {p.status !== 'active' && ` · ${t(`register.status.${p.status}`)}`}
                    </Text>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {paddingTop > 0 && (
                <tr aria-hidden="true">
                  <td colSpan={colSpan} style={{ height: paddingTop, padding: 0 }} />
                </tr>
              )}
              {items.map((item) => {
                const field = fields[item.index];
                return (
                  <tr key={field.key} data-index={item.index} style={{ height: ROW_HEIGHT }}>
                    <th scope="row" style={{ ...td, textAlign: 'left', fontWeight: 500 }}>
                      {field.key}
                    </th>
                    <td style={td}>
                      {t(`inventory.categories.${field.dataCategory}`)}
                      {field.special && (
                        <Badge ml={4} size="xs" color="red" variant="outline">
                          {t('inventory.fields.special')}
                        </Badge>
                      )}
                    </td>
                    <td style={td}>
                      {field.effectiveRetention?.words[lang] ?? t('inventory.fields.noRetention')}
                    </td>
                    {columns.map((p) => (
                      <td key={p.code} style={td}>
                        <MatrixCell field={field} purpose={p} editable={editable} onSaved={replaceRow} />
                      </td>
                    ))}
                  </tr>
                );
              })}
              {paddingBottom > 0 && (
                <tr aria-hidden="true">
                  <td colSpan={colSpan} style={{ height: paddingBottom, padding: 0 }} />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </Stack>
  );
}

const th = {
  textAlign: 'left',
  padding: '4px 8px',
  borderBottom: '1px solid var(--mantine-color-gray-4)',
  whiteSpace: 'nowrap',
} as const;
const td = {
  padding: '2px 8px',
  borderBottom: '1px solid var(--mantine-color-gray-2)',
  whiteSpace: 'nowrap',
} as const;
