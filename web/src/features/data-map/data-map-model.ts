/** The data map's graph, built and filtered without React: systems → datasets → fields → purposes. */

export type MapNodeKind = 'system' | 'dataset' | 'field' | 'purpose';

export interface MapInput {
  systems: readonly { code: string; name: string }[];
  datasets: readonly { systemCode: string; name: string }[];
  fields: readonly {
    key: string;
    systemCode: string;
    dataset: string;
    column: string;
    dataCategory: string;
    purposeCodes: readonly string[];
  }[];
  purposes: readonly { code: string; name: string }[];
}

export interface MapFilter {
  purpose: string | null;
  category: string | null;
}

export interface MapNode {
  id: string;
  kind: MapNodeKind;
  label: string;
  /** The data category of a field node (shown, and filtered on). */
  category?: string;
  position: { x: number; y: number };
}

export interface MapEdge {
  id: string;
  source: string;
  target: string;
}

export const COLUMN_X: Record<MapNodeKind, number> = { system: 0, dataset: 260, field: 520, purpose: 820 };
export const ROW_HEIGHT = 56;

const systemId = (code: string) => `system:${code}`;
const datasetId = (systemCode: string, name: string) => `dataset:${systemCode}/${name}`;
const fieldId = (key: string) => `field:${key}`;
const purposeId = (code: string) => `purpose:${code}`;

/**
 * With no filter, everything declared (a system or dataset without fields still shows: it is part
 * of the register). With a filter, only the fields that match and the path from their system to
 * their purposes: the DPO asks "where is the data this purpose uses" or "where is health data".
 */
export function buildDataMap(input: MapInput, filter: MapFilter): { nodes: MapNode[]; edges: MapEdge[] } {
  const filtered = filter.purpose !== null || filter.category !== null;
  const fields = input.fields
    .filter((f) => filter.purpose === null || f.purposeCodes.includes(filter.purpose))
    .filter((f) => filter.category === null || f.dataCategory === filter.category)
    .slice()
    .sort((a, b) => a.key.localeCompare(b.key));

  const usedDatasets = new Set(fields.map((f) => datasetId(f.systemCode, f.dataset)));
  const usedSystems = new Set(fields.map((f) => f.systemCode));
  const usedPurposes = new Set(fields.flatMap((f) => f.purposeCodes));

  const systems = input.systems
    .filter((s) => !filtered || usedSystems.has(s.code))
    .slice()
    .sort((a, b) => a.code.localeCompare(b.code));
  const systemOrder = new Map(systems.map((s, i) => [s.code, i]));
  const datasets = input.datasets
    .filter((d) => systemOrder.has(d.systemCode))
    .filter((d) => !filtered || usedDatasets.has(datasetId(d.systemCode, d.name)))
    .slice()
    .sort(
      (a, b) =>
        systemOrder.get(a.systemCode)! - systemOrder.get(b.systemCode)! || a.name.localeCompare(b.name),
    );
  const datasetOrder = new Map(datasets.map((d, i) => [datasetId(d.systemCode, d.name), i]));
  const placedFields = fields
    .filter((f) => datasetOrder.has(datasetId(f.systemCode, f.dataset)))
    .sort(
      (a, b) =>
        datasetOrder.get(datasetId(a.systemCode, a.dataset))! -
        datasetOrder.get(datasetId(b.systemCode, b.dataset))!,
    );
  const purposes = input.purposes
    .filter((p) =>
      filter.purpose !== null ? p.code === filter.purpose : !filtered || usedPurposes.has(p.code),
    )
    .slice()
    .sort((a, b) => a.code.localeCompare(b.code));
  const purposeIds = new Set(purposes.map((p) => purposeId(p.code)));

  const at = (kind: MapNodeKind, row: number) => ({ x: COLUMN_X[kind], y: row * ROW_HEIGHT });
  const nodes: MapNode[] = [
    ...systems.map((s, i) => ({
      id: systemId(s.code),
      kind: 'system' as const,
      label: s.name,
      position: at('system', i),
    })),
    ...datasets.map((d, i) => ({
      id: datasetId(d.systemCode, d.name),
      kind: 'dataset' as const,
      label: d.name,
      position: at('dataset', i),
    })),
    ...placedFields.map((f, i) => ({
      id: fieldId(f.key),
      kind: 'field' as const,
      label: f.column,
      category: f.dataCategory,
      position: at('field', i),
    })),
    ...purposes.map((p, i) => ({
      id: purposeId(p.code),
      kind: 'purpose' as const,
      label: p.name,
      position: at('purpose', i),
    })),
  ];
  const edges: MapEdge[] = [
    ...datasets.map((d) => edge(systemId(d.systemCode), datasetId(d.systemCode, d.name))),
    ...placedFields.map((f) => edge(datasetId(f.systemCode, f.dataset), fieldId(f.key))),
    ...placedFields.flatMap((f) =>
      f.purposeCodes
        .filter((p) => purposeIds.has(purposeId(p)))
        .map((p) => edge(fieldId(f.key), purposeId(p))),
    ),
  ];
  return { nodes, edges };
}

function edge(source: string, target: string): MapEdge {
  return { id: `${source}->${target}`, source, target };
}
