import { Alert, Button, Checkbox, Group, Popover, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { errorText } from './inventory-queries';
import {
  bindingsWithCell,
  cellOf,
  cellSummary,
  FIELD_ACTIONS,
  OBLIGATIONS,
  type Field,
  type FieldAction,
  type Obligation,
  type Purpose,
} from './matrix-model';

export function useCellLabels() {
  const { t } = useTranslation();
  return {
    action: (a: FieldAction) => t(`matrix.actions.${a}`),
    obligation: (o: Obligation) => t(`matrix.obligations.${o}`),
    none: '—',
  };
}

/** One cell of the matrix: what a purpose may do with a field. A DPO edits it in place. */
export function MatrixCell({
  field,
  purpose,
  editable,
  onSaved,
}: {
  field: Field;
  purpose: Purpose;
  editable: boolean;
  onSaved(field: Field): void;
}) {
  const { t } = useTranslation();
  const labels = useCellLabels();
  const binding = cellOf(field, purpose.code);
  const summary = cellSummary(binding, labels);
  const [opened, setOpened] = useState(false);
  const [actions, setActions] = useState<FieldAction[]>([]);
  const [obligation, setObligation] = useState<Obligation | null>(null);
  const [sub, setSub] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  if (!editable) return <Text size="sm">{summary}</Text>;
  // A retired purpose takes no new binding; an existing one can still be removed.
  const retired = purpose.status === 'retired';

  function open() {
    setActions(binding?.actions ?? []);
    setObligation(binding?.obligation ?? null);
    setSub(binding?.appliesToSubPurposes ?? false);
    setError(null);
    setOpened(true);
  }

  async function save(nextActions: FieldAction[]) {
    setSaving(true);
    setError(null);
    try {
      const saved = unwrap(
        await api.PUT('/fields/{key}/purposes', {
          params: { path: { key: field.key } },
          body: {
            bindings: bindingsWithCell(field, purpose.code, {
              actions: nextActions,
              obligation,
              appliesToSubPurposes: sub,
            }),
          },
        }),
      );
      onSaved(saved);
      setOpened(false);
    } catch (e) {
      // The service's own words (e.g. art. 9(2) condition missing), kept in the cell's popover.
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <Popover opened={opened} onChange={setOpened} trapFocus withArrow position="bottom" shadow="md">
      <Popover.Target>
        <Button
          variant={binding ? 'outline' : 'subtle'}
          size="compact-sm"
          aria-label={t('matrix.editCell', { field: field.key, purpose: purpose.code, summary })}
          onClick={() => (opened ? setOpened(false) : open())}
        >
          {summary}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack
          gap="xs"
          role="group"
          aria-label={t('matrix.cellTitle', { field: field.key, purpose: purpose.code })}
        >
          <Text size="sm" fw={600}>
            {t('matrix.cellTitle', { field: field.key, purpose: purpose.code })}
          </Text>
          {error && (
            <Alert color="red" role="alert" maw={360}>
              {error}
            </Alert>
          )}
          {FIELD_ACTIONS.map((a) => (
            <Checkbox
              key={a}
              label={labels.action(a)}
              checked={actions.includes(a)}
              disabled={retired && !actions.includes(a)}
              onChange={(e) =>
                setActions(e.currentTarget.checked ? [...actions, a] : actions.filter((x) => x !== a))
              }
            />
          ))}
          <Select
            label={t('matrix.obligation')}
            placeholder={t('matrix.noObligation')}
            clearable
            clearButtonProps={{ 'aria-label': t('app.clear') }}
            value={obligation}
            onChange={(v) => setObligation(v)}
            data={OBLIGATIONS.map((o) => ({ value: o, label: labels.obligation(o) }))}
            comboboxProps={{ withinPortal: false }}
          />
          <Checkbox
            label={t('matrix.subPurposes')}
            checked={sub}
            onChange={(e) => setSub(e.currentTarget.checked)}
          />
          <Group gap="xs">
            <Button size="xs" loading={saving} onClick={() => void save(actions)}>
              {t('inventory.save')}
            </Button>
            {binding && (
              <Button size="xs" color="red" variant="light" loading={saving} onClick={() => void save([])}>
                {t('matrix.unbind')}
              </Button>
            )}
            <Button size="xs" variant="default" onClick={() => setOpened(false)}>
              {t('inventory.cancel')}
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
