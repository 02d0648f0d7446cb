import '@xyflow/react/dist/style.css';
import { Alert, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { DATA_CATEGORIES, INVENTORY_KEY, usePurposes, useSystems } from '../inventory/inventory-queries';
import { buildDataMap, type MapNode, type MapNodeKind } from './data-map-model';

type Category = (typeof DATA_CATEGORIES)[number];
type Field = Schemas['PersonalFieldResponseDto'];

/** At most this many fields on the map (10 pages): past that, a filter says more than a picture. */
const MAX_FIELDS = 5000;

const COLOURS: Record<MapNodeKind, string> = {
  system: 'var(--mantine-color-blue-1)',
  dataset: 'var(--mantine-color-teal-1)',
  field: 'var(--mantine-color-gray-1)',
  purpose: 'var(--mantine-color-grape-1)',
};

/** The data map: systems → datasets → fields → purposes, filterable by purpose and data category. */
export default function DataMapPage() {
  const { t } = useTranslation();
  const [purpose, setPurpose] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const systems = useSystems();
  const purposes = usePurposes();
  const datasets = useQueries({
    queries: (systems.data ?? []).map((s) => ({
      queryKey: [...INVENTORY_KEY, 'datasets', s.code],
      queryFn: async () =>
        unwrap(await api.GET('/systems/{code}/datasets', { params: { path: { code: s.code } } })).items,
    })),
  });
  const fields = useQuery({
    queryKey: [...INVENTORY_KEY, 'map', { purpose, category }],
    queryFn: async () => {
      const all: Field[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await api.GET('/fields', {
            params: {
              query: {
                limit: 500,
                ...(cursor ? { cursor } : {}),
                ...(purpose ? { purpose } : {}),
                ...(category ? { category: category as Category } : {}),
              },
            },
          }),
        );
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < MAX_FIELDS);
      return { items: all, truncated: cursor !== undefined };
    },
  });

  const graph = useMemo(
    () =>
      buildDataMap(
        {
          systems: systems.data ?? [],
          datasets: datasets.flatMap((d) => d.data ?? []),
          fields: fields.data?.items ?? [],
          purposes: purposes.data ?? [],
        },
        { purpose, category },
      ),
    [systems.data, datasets, fields.data, purposes.data, purpose, category],
  );
  const kindLabel = (kind: MapNodeKind) => t(`dataMap.kinds.${kind}`);
  const describe = (n: MapNode) =>
    `${kindLabel(n.kind)}: ${n.label}${n.category ? ` (${t(`inventory.categories.${n.category}`)})` : ''}`;
  const nodes: Node[] = graph.nodes.map((n) => ({
    id: n.id,
    position: n.position,
    data: { label: n.category ? `${n.label} · ${t(`inventory.categories.${n.category}`)}` : n.label },
    ariaLabel: describe(n),
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    connectable: false,
    draggable: false,
    className: `map-${n.kind}`,
    style: { background: COLOURS[n.kind], color: 'var(--mantine-color-black)', width: 220 },
  }));
  const edges: Edge[] = graph.edges.map((e) => ({ ...e, focusable: false }));
  const labelOf = new Map(graph.nodes.map((n) => [n.id, n]));

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('dataMap.title')}
      </Title>
      <Group align="flex-end">
        <Select
          label={t('dataMap.filters.purpose')}
          placeholder={t('matrix.filters.any')}
          clearable
          searchable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={purpose}
          onChange={setPurpose}
          data={(purposes.data ?? []).map((p) => ({ value: p.code, label: `${p.name} (${p.code})` }))}
        />
        <Select
          label={t('dataMap.filters.category')}
          placeholder={t('matrix.filters.any')}
          clearable
          searchable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={category}
          onChange={setCategory}
          data={DATA_CATEGORIES.map((c) => ({ value: c, label: t(`inventory.categories.${c}`) }))}
        />
        <Text size="sm" role="status" data-testid="map-count">
          {t('dataMap.count', { nodes: graph.nodes.length, edges: graph.edges.length })}
        </Text>
      </Group>
      {fields.data?.truncated && (
        <Alert color="orange">{t('dataMap.truncated', { count: MAX_FIELDS })}</Alert>
      )}
      <div
        style={{ height: '65vh', border: '1px solid var(--mantine-color-gray-4)' }}
        role="region"
        aria-label={t('dataMap.graph')}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          fitView
          nodesConnectable={false}
          nodesDraggable={false}
          nodesFocusable
          edgesFocusable={false}
          minZoom={0.1}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <details>
        <summary>{t('dataMap.asList')}</summary>
        <ul aria-label={t('dataMap.asList')}>
          {graph.edges.map((e) => (
            <li key={e.id}>
              {describe(labelOf.get(e.source)!)} → {describe(labelOf.get(e.target)!)}
            </li>
          ))}
        </ul>
      </details>
    </Stack>
  );
}
