import { Select, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { InventoryFormModal } from './InventoryFormModal';
import { DATA_CATEGORIES, errorText, orNull, orUndefined } from './inventory-queries';
import type { Field } from './matrix-model';

type Category = (typeof DATA_CATEGORIES)[number];

/** Register a column of a dataset as a personal-data field, or edit its category and description. */
export function FieldForm({
  systemCode,
  dataset,
  field,
  onClose,
}: {
  systemCode: string;
  dataset: string;
  field: Field | null;
  onClose(saved: boolean): void;
}) {
  const { t } = useTranslation();
  const [column, setColumn] = useState('');
  const [category, setCategory] = useState<Category>(field?.dataCategory ?? 'contact');
  const [description, setDescription] = useState(field?.description ?? '');
  const [error, setError] = useState<string | null>(null);

  async function save() {
    setError(null);
    try {
      if (field) {
        unwrap(
          await api.PATCH('/fields/{key}', {
            params: { path: { key: field.key } },
            body: { dataCategory: category, description: orNull(description) },
          }),
        );
      } else {
        unwrap(
          await api.POST('/fields', {
            body: {
              system: systemCode,
              dataset,
              column: column.trim(),
              dataCategory: category,
              ...(orUndefined(description) ? { description: description.trim() } : {}),
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
      title={field ? t('inventory.fields.edit', { key: field.key }) : t('inventory.fields.new', { dataset })}
      error={error}
      onSave={() => void save()}
      onClose={onClose}
    >
      {!field && (
        <TextInput
          label={t('inventory.fields.column')}
          required
          value={column}
          onChange={(e) => setColumn(e.currentTarget.value)}
        />
      )}
      <Select
        label={t('inventory.fields.category')}
        value={category}
        allowDeselect={false}
        searchable
        onChange={(v) => v && setCategory(v)}
        data={DATA_CATEGORIES.map((c) => ({ value: c, label: t(`inventory.categories.${c}`) }))}
      />
      <Textarea
        label={t('inventory.fields.description')}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
      />
    </InventoryFormModal>
  );
}
