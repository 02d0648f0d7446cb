import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../session/session';
import { DatasetForm } from './DatasetForm';
import { FieldForm } from './FieldForm';
import { InventorySection } from './InventorySection';
import {
  canEditInventory,
  errorText,
  INVENTORY_KEY,
  useDatasets,
  useSystems,
  type Dataset,
  type System,
} from './inventory-queries';
import type { Field } from './matrix-model';
import { EditDeleteButtons, SelectRowButton } from './RowButtons';
import { ScanPanel } from './ScanPanel';
import { SystemForm } from './SystemForm';

type Editing =
  | { kind: 'system'; system: System | null }
  | { kind: 'dataset'; dataset: Dataset | null }
  | { kind: 'field'; field: Field | null }
  | null;

/** Systems, their datasets and a dataset's fields; a DPO keeps them, an auditor reads them. */
export default function InventoryPage() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const editable = canEditInventory(session?.principal.roles ?? []);
  const client = useQueryClient();
  const [systemCode, setSystemCode] = useState<string | null>(null);
  const [datasetName, setDatasetName] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [scanning, setScanning] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const systems = useSystems();
  const datasets = useDatasets(systemCode);
  const fields = useQuery({
    queryKey: [...INVENTORY_KEY, 'fields', systemCode],
    enabled: systemCode !== null,
    queryFn: async () =>
      unwrap(await api.GET('/fields', { params: { query: { system: systemCode!, limit: 500 } } })),
  });
  const system = systems.data?.find((s) => s.code === systemCode) ?? null;
  const dataset = datasets.data?.find((d) => d.name === datasetName) ?? null;
  const datasetFields = (fields.data?.items ?? []).filter((f) => f.dataset === datasetName);
  const lang = i18n.language === 'fr' ? 'fr' : 'en';

  const refresh = () => client.invalidateQueries({ queryKey: INVENTORY_KEY });
  const closed = (saved: boolean) => {
    setEditing(null);
    if (saved) void refresh();
  };

  async function remove(what: 'system' | 'dataset' | 'field', label: string, call: () => Promise<unknown>) {
    setActionError(null);
    if (!window.confirm(t(`inventory.confirmDelete.${what}`, { name: label }))) return;
    try {
      await call();
      if (what === 'system') setSystemCode(null);
      if (what === 'dataset') setDatasetName(null);
    } catch (e) {
      setActionError(errorText(e));
    }
    await refresh();
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('inventory.title')}
        </Title>
        {editable && (
          <Button onClick={() => setEditing({ kind: 'system', system: null })}>
            {t('inventory.systems.new')}
          </Button>
        )}
      </Group>
      {!editable && <Alert color="gray">{t('inventory.readOnly')}</Alert>}
      {actionError && (
        <Alert
          color="red"
          role="alert"
          withCloseButton
          closeButtonLabel={t('app.close')}
          onClose={() => setActionError(null)}
        >
          {actionError}
        </Alert>
      )}

      <Paper withBorder p="xs">
        <Title order={2} size="h4" mb="xs">
          {t('inventory.systems.title')}
        </Title>
        {systems.data?.length === 0 ? (
          <Text>{t('inventory.systems.empty')}</Text>
        ) : (
          <Table aria-label={t('inventory.systems.title')} highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('inventory.systems.name')}</Table.Th>
                <Table.Th>{t('inventory.systems.code')}</Table.Th>
                <Table.Th>{t('inventory.systems.kind')}</Table.Th>
                <Table.Th>{t('inventory.systems.connection')}</Table.Th>
                <Table.Th>{t('inventory.systems.datasetCount')}</Table.Th>
                <Table.Th>{t('inventory.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(systems.data ?? []).map((s) => (
                <Table.Tr key={s.code}>
                  <Table.Td>
                    <SelectRowButton
                      selected={s.code === systemCode}
                      onSelect={() => {
                        setSystemCode(s.code);
                        setDatasetName(null);
                      }}
                    >
                      {s.name}
                    </SelectRowButton>
                  </Table.Td>
                  <Table.Td>{s.code}</Table.Td>
                  <Table.Td>{t(`inventory.kinds.${s.kind}`)}</Table.Td>
                  <Table.Td>
                    {s.kind === 'postgres' &&
                      (s.hasConnection ? (
                        <Badge variant="light">{t('inventory.systems.connectionSet')}</Badge>
                      ) : (
                        <Text size="sm">{t('inventory.systems.connectionMissing')}</Text>
                      ))}
                  </Table.Td>
                  <Table.Td>{s.datasetCount}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {s.kind === 'postgres' && s.hasConnection && editable && (
                        <Button size="compact-sm" variant="default" onClick={() => setScanning(s.code)}>
                          {t('inventory.scan.action', { name: s.name })}
                        </Button>
                      )}
                      {editable && (
                        <EditDeleteButtons
                          name={s.name}
                          onEdit={() => setEditing({ kind: 'system', system: s })}
                          onDelete={() =>
                            void remove('system', s.name, async () =>
                              unwrap(
                                await api.DELETE('/systems/{code}', { params: { path: { code: s.code } } }),
                              ),
                            )
                          }
                        />
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>

      {scanning && (
        <ScanPanel
          systemCode={scanning}
          onClose={() => setScanning(null)}
          onRegistered={() => void refresh()}
        />
      )}

      {system && (
        <InventorySection
          title={t('inventory.datasets.title', { name: system.name })}
          newLabel={t('inventory.datasets.new')}
          onNew={editable ? () => setEditing({ kind: 'dataset', dataset: null }) : undefined}
          empty={datasets.data?.length === 0}
          emptyText={t('inventory.datasets.empty')}
          headers={[
            t('inventory.datasets.name'),
            t('inventory.datasets.primaryKey'),
            t('inventory.datasets.subjectColumn'),
            t('inventory.datasets.fieldCount'),
            t('inventory.actions'),
          ]}
        >
          {(datasets.data ?? []).map((d) => (
            <Table.Tr key={d.name}>
              <Table.Td>
                <SelectRowButton selected={d.name === datasetName} onSelect={() => setDatasetName(d.name)}>
                  {d.name}
                </SelectRowButton>
              </Table.Td>
              <Table.Td>{d.primaryKey.join(', ')}</Table.Td>
              <Table.Td>{d.subjectColumn ?? '—'}</Table.Td>
              <Table.Td>{d.fieldCount}</Table.Td>
              <Table.Td>
                {editable && (
                  <Group gap={4}>
                    <EditDeleteButtons
                      name={d.name}
                      onEdit={() => setEditing({ kind: 'dataset', dataset: d })}
                      onDelete={() =>
                        void remove('dataset', d.name, async () =>
                          unwrap(
                            await api.DELETE('/systems/{code}/datasets/{name}', {
                              params: { path: { code: system.code, name: d.name } },
                            }),
                          ),
                        )
                      }
                    />
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </InventorySection>
      )}

      {system && dataset && (
        <InventorySection
          title={t('inventory.fields.title', { name: dataset.name })}
          newLabel={t('inventory.fields.newButton')}
          onNew={editable ? () => setEditing({ kind: 'field', field: null }) : undefined}
          empty={datasetFields.length === 0}
          emptyText={t('inventory.fields.empty')}
          headers={[
            t('inventory.fields.column'),
            t('inventory.fields.category'),
            t('inventory.fields.purposes'),
            t('inventory.fields.retention'),
            t('inventory.actions'),
          ]}
        >
          {datasetFields.map((f) => (
            <Table.Tr key={f.key}>
              <Table.Td>{f.column}</Table.Td>
              <Table.Td>
                {t(`inventory.categories.${f.dataCategory}`)}
                {f.special && (
                  <Badge ml={4} size="xs" color="red" variant="outline">
                    {t('inventory.fields.special')}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>{f.purposeCodes.join(', ') || '—'}</Table.Td>
              <Table.Td>{f.effectiveRetention?.words[lang] ?? t('inventory.fields.noRetention')}</Table.Td>
              <Table.Td>
                {editable && (
                  <Group gap={4}>
                    <EditDeleteButtons
                      name={f.key}
                      onEdit={() => setEditing({ kind: 'field', field: f })}
                      onDelete={() =>
                        void remove('field', f.key, async () =>
                          unwrap(await api.DELETE('/fields/{key}', { params: { path: { key: f.key } } })),
                        )
                      }
                    />
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </InventorySection>
      )}

      {editing?.kind === 'system' && <SystemForm system={editing.system} onClose={closed} />}
      {editing?.kind === 'dataset' && system && (
        <DatasetForm systemCode={system.code} dataset={editing.dataset} onClose={closed} />
      )}
      {editing?.kind === 'field' && system && dataset && (
        <FieldForm systemCode={system.code} dataset={dataset.name} field={editing.field} onClose={closed} />
      )}
    </Stack>
  );
}
