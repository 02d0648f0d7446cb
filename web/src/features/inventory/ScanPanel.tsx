import { Alert, Button, Checkbox, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { DATA_CATEGORIES, errorText } from './inventory-queries';
import {
  blockedReason,
  fieldsToRegister,
  findingId,
  initialSelection,
  type DataCategory,
  type ScanResult,
} from './scan-model';

/**
 * Scan a postgres system's catalogue, then register the unregistered columns the DPO ticks (likely
 * personal data ticked already, category suggested): one click for the lot.
 */
export function ScanPanel({
  systemCode,
  onClose,
  onRegistered,
}: {
  systemCode: string;
  onClose(): void;
  onRegistered(): void;
}) {
  const { t } = useTranslation();
  const [result, setResult] = useState<ScanResult | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [categories, setCategories] = useState<Map<string, DataCategory>>(new Map());
  const [registered, setRegistered] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  const scan = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/systems/{code}/scan', { params: { path: { code: systemCode } }, body: {} })),
    onSuccess: (r) => {
      setResult(r);
      setSelected(initialSelection(r));
      setError(null);
    },
    onError: (e) => setError(errorText(e)),
  });
  const register = useMutation({
    mutationFn: async () => {
      const bodies = fieldsToRegister(systemCode, result!.unregistered, selected, categories);
      const done: string[] = [];
      // One at a time: the first refusal stops the lot and says which column it was.
      for (const body of bodies) {
        try {
          done.push(unwrap(await api.POST('/fields', { body })).key);
        } catch (e) {
          setRegistered((r) => [...r, ...done]);
          throw new Error(`${body.dataset}.${body.column}: ${errorText(e)}`);
        }
      }
      return done;
    },
    onSuccess: (keys) => {
      setRegistered((r) => [...r, ...keys]);
      onRegistered();
      scan.mutate();
    },
    onError: (e) => {
      setError(e.message);
      onRegistered();
    },
  });

  return (
    <Paper withBorder p="xs" aria-labelledby="scan-title">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4" id="scan-title">
            {t('inventory.scan.title', { code: systemCode })}
          </Title>
          <Group>
            <Button size="xs" onClick={() => scan.mutate()} loading={scan.isPending}>
              {result ? t('inventory.scan.again') : t('inventory.scan.run')}
            </Button>
            <Button size="xs" variant="default" onClick={onClose}>
              {t('app.close')}
            </Button>
          </Group>
        </Group>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        {registered.length > 0 && (
          <Alert color="green" role="status">
            {t('inventory.scan.registered', { count: registered.length, keys: registered.join(', ') })}
          </Alert>
        )}
        {result && (
          <>
            <Text size="sm">
              {t('inventory.scan.summary', {
                columns: result.columnCount,
                registered: result.registeredCount,
                unregistered: result.unregistered.length,
              })}
            </Text>
            {result.missing.length > 0 && (
              <Alert color="orange">
                {t('inventory.scan.missing', { keys: result.missing.map((m) => m.key).join(', ') })}
              </Alert>
            )}
            {result.unregistered.length > 0 && (
              <Table aria-label={t('inventory.scan.findings')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('inventory.scan.register')}</Table.Th>
                    <Table.Th>{t('inventory.scan.column')}</Table.Th>
                    <Table.Th>{t('inventory.scan.type')}</Table.Th>
                    <Table.Th>{t('inventory.fields.category')}</Table.Th>
                    <Table.Th>{t('inventory.scan.why')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {result.unregistered.map((f) => {
                    const id = findingId(f);
                    const blocked = blockedReason(f);
                    return (
                      <Table.Tr key={id}>
                        <Table.Td>
                          <Checkbox
                            aria-label={t('inventory.scan.tick', { column: id })}
                            checked={selected.has(id)}
                            disabled={blocked !== null}
                            onChange={(e) => {
                              const next = new Set(selected);
                              if (e.currentTarget.checked) next.add(id);
                              else next.delete(id);
                              setSelected(next);
                            }}
                          />
                        </Table.Td>
                        <Table.Td>{id}</Table.Td>
                        <Table.Td>{f.dataType}</Table.Td>
                        <Table.Td>
                          {blocked === null && (
                            <Select
                              size="xs"
                              aria-label={t('inventory.scan.categoryOf', { column: id })}
                              value={categories.get(id) ?? f.suggestedCategory ?? 'other'}
                              allowDeselect={false}
                              onChange={(v) => v && setCategories(new Map(categories).set(id, v))}
                              data={DATA_CATEGORIES.map((c) => ({
                                value: c,
                                label: t(`inventory.categories.${c}`),
                              }))}
                            />
                          )}
                        </Table.Td>
                        <Table.Td>
                          {blocked
                            ? t(`inventory.scan.blocked.${blocked}`)
                            : (f.reason ?? (f.likelyPersonal ? '' : '—'))}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            )}
            <Group>
              <Button
                onClick={() => register.mutate()}
                loading={register.isPending}
                disabled={
                  fieldsToRegister(systemCode, result.unregistered, selected, categories).length === 0
                }
              >
                {t('inventory.scan.registerSelected', {
                  count: fieldsToRegister(systemCode, result.unregistered, selected, categories).length,
                })}
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}
