import { Select, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { InventoryFormModal } from './InventoryFormModal';
import { errorText, orNull, orUndefined, type Dataset } from './inventory-queries';

/** What a purge does with due rows other rows still reference (ADR 0051). */
const REFERENCED_ROWS = ['anonymise', 'purge_children_first'] as const;
type ReferencedRows = (typeof REFERENCED_ROWS)[number];

const columns = (v: string) =>
  v
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

/** Declare or edit a dataset (schema.table) of a system: its primary key, subject and time columns. */
export function DatasetForm({
  systemCode,
  dataset,
  onClose,
}: {
  systemCode: string;
  dataset: Dataset | null;
  onClose(saved: boolean): void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [primaryKey, setPrimaryKey] = useState(dataset?.primaryKey.join(', ') ?? 'id');
  const [subjectColumn, setSubjectColumn] = useState(dataset?.subjectColumn ?? '');
  const [lastInteraction, setLastInteraction] = useState(dataset?.timestampColumns.lastInteraction ?? '');
  const [collection, setCollection] = useState(dataset?.timestampColumns.collection ?? '');
  const [description, setDescription] = useState(dataset?.description ?? '');
  const [referencedRows, setReferencedRows] = useState<ReferencedRows>(
    dataset?.referencedRows ?? 'anonymise',
  );
  const [error, setError] = useState<string | null>(null);

  async function save() {
    setError(null);
    const timestampColumns = {
      ...(orUndefined(collection) ? { collection: collection.trim() } : {}),
      ...(orUndefined(lastInteraction) ? { lastInteraction: lastInteraction.trim() } : {}),
      ...(dataset?.timestampColumns.contractEnd ? { contractEnd: dataset.timestampColumns.contractEnd } : {}),
    };
    try {
      if (dataset) {
        unwrap(
          await api.PATCH('/systems/{code}/datasets/{name}', {
            params: { path: { code: systemCode, name: dataset.name } },
            body: {
              primaryKey: columns(primaryKey),
              subjectColumn: orNull(subjectColumn),
              description: orNull(description),
              timestampColumns,
              referencedRows,
            },
          }),
        );
      } else {
        unwrap(
          await api.POST('/systems/{code}/datasets', {
            params: { path: { code: systemCode } },
            body: {
              name: name.trim(),
              primaryKey: columns(primaryKey),
              ...(orUndefined(subjectColumn) ? { subjectColumn: subjectColumn.trim() } : {}),
              ...(orUndefined(description) ? { description: description.trim() } : {}),
              timestampColumns,
              referencedRows,
            },
          }),
        );
      }
      onClose(true);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <InventoryFormModal
      title={dataset ? t('inventory.datasets.edit', { name: dataset.name }) : t('inventory.datasets.new')}
      error={error}
      onSave={() => void save()}
      onClose={onClose}
    >
      {!dataset && (
        <TextInput
          label={t('inventory.datasets.name')}
          description={t('inventory.datasets.nameHelp')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
      )}
      <TextInput
        label={t('inventory.datasets.primaryKey')}
        description={t('inventory.datasets.primaryKeyHelp')}
        required
        value={primaryKey}
        onChange={(e) => setPrimaryKey(e.currentTarget.value)}
      />
      <TextInput
        label={t('inventory.datasets.subjectColumn')}
        value={subjectColumn}
        onChange={(e) => setSubjectColumn(e.currentTarget.value)}
      />
      <TextInput
        label={t('inventory.datasets.collection')}
        value={collection}
        onChange={(e) => setCollection(e.currentTarget.value)}
      />
      <TextInput
        label={t('inventory.datasets.lastInteraction')}
        value={lastInteraction}
        onChange={(e) => setLastInteraction(e.currentTarget.value)}
      />
      <Select
        label={t('inventory.datasets.referencedRows')}
        description={t('inventory.datasets.referencedRowsHelp')}
        value={referencedRows}
        allowDeselect={false}
        onChange={(v) => v && setReferencedRows(v)}
        data={REFERENCED_ROWS.map((m) => ({
          value: m,
          label: t(`inventory.datasets.referencedRowsModes.${m}`),
        }))}
      />
      <Textarea
        label={t('inventory.datasets.description')}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
      />
    </InventoryFormModal>
  );
}
