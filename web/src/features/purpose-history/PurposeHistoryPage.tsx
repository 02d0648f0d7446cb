import { Alert, Anchor, Badge, Group, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, unwrap, type Schemas } from '../../api/client';
import { useDescribeFailure } from '../../components/errors/use-server-errors';
import { changesBetween, diffSnapshots, formatValue, versionKey } from './purpose-diff';
import { formatDateTime } from '../../i18n/format';

type Version = Schemas['PurposeVersionResponseDto'];

/**
 * The history of one purpose: every version with who changed what and when, and any two versions
 * side by side (by default the one before the last and the last), changed fields marked in words.
 */
export default function PurposeHistoryPage() {
  const { t, i18n } = useTranslation();
  const { code = '' } = useParams();
  const describeFailure = useDescribeFailure();
  const history = useQuery({
    queryKey: ['purposes', code, 'history'],
    queryFn: async () => unwrap(await api.GET('/purposes/{code}/history', { params: { path: { code } } })),
  });
  const versions = history.data?.versions ?? [];
  const [left, setLeft] = useState<string | null>(null);
  const [right, setRight] = useState<string | null>(null);
  const a = left ?? (versions.length > 1 ? versionKey(versions[versions.length - 2]) : null);
  const b = right ?? (versions.length > 0 ? versionKey(versions[versions.length - 1]) : null);
  const before = versions.find((v) => versionKey(v) === a);
  const after = versions.find((v) => versionKey(v) === b);
  const reused = new Set(versions.map((v) => v.purposeId)).size > 1;
  const label = (v: Version) =>
    t('history.versionLabel', {
      version: v.version,
      change: t(`history.changes.${v.change}`),
      at: formatDateTime(v.changedAt, i18n.language),
    }) + (reused ? ` · ${v.purposeId.slice(0, 8)}` : '');
  const options = versions.map((v) => ({ value: versionKey(v), label: label(v) }));

  return (
    <Stack>
      <Anchor component={Link} to="/register" size="sm">
        {t('history.back')}
      </Anchor>
      <Title order={1} size="h2">
        {t('history.title', { code })}
      </Title>
      {history.isError && (
        <Alert color="red" role="alert">
          {describeFailure(history.error)}
        </Alert>
      )}
      {reused && <Alert color="gray">{t('history.reused')}</Alert>}
      {versions.length > 0 && (
        <Paper withBorder p="xs">
          <Title order={2} size="h4" mb="xs">
            {t('history.versions')}
          </Title>
          <Table striped aria-label={t('history.versions')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('history.version')}</Table.Th>
                <Table.Th>{t('history.change')}</Table.Th>
                <Table.Th>{t('history.changedFields')}</Table.Th>
                <Table.Th>{t('history.by')}</Table.Th>
                <Table.Th>{t('history.at')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {versions.map((v) => (
                <Table.Tr key={versionKey(v)}>
                  <Table.Td>{v.version}</Table.Td>
                  <Table.Td>{t(`history.changes.${v.change}`)}</Table.Td>
                  <Table.Td>{v.changedFields.map((f) => fieldLabel(t, f)).join(', ') || '—'}</Table.Td>
                  <Table.Td>{v.actor.name}</Table.Td>
                  <Table.Td>{formatDateTime(v.changedAt, i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {versions.length > 1 && (
        <Group grow align="flex-end">
          <NativeSelect
            label={t('history.compareFrom')}
            value={a ?? ''}
            onChange={(e) => setLeft(e.currentTarget.value)}
            data={options}
          />
          <NativeSelect
            label={t('history.compareTo')}
            value={b ?? ''}
            onChange={(e) => setRight(e.currentTarget.value)}
            data={options}
          />
        </Group>
      )}
      {before && after && a !== b && (
        <Comparison before={before} after={after} versions={versions} a={a!} b={b!} />
      )}
    </Stack>
  );
}

function fieldLabel(t: (key: string) => string, field: string): string {
  const key = `history.fields.${field}`;
  const label = t(key);
  return label === key ? field : label;
}

/** Enumerated values in words (status, legal basis, retention trigger), the rest as the diff renders it. */
function useShowValue(): (field: string, value: unknown) => string {
  const { t, i18n } = useTranslation();
  const word = (key: string, fallback: string) => (i18n.exists(key) ? t(key) : fallback);
  return (field, value) => {
    if (typeof value === 'string' && field === 'status') return word(`register.status.${value}`, value);
    if (typeof value === 'string' && field === 'legalBasis')
      return word(`purpose.legalBases.${value}`, value);
    if (field === 'retention' && value && typeof value === 'object') {
      const r = value as { duration?: unknown; trigger?: unknown };
      if (typeof r.duration === 'string' && typeof r.trigger === 'string') {
        return `${r.duration} (${word(`purpose.triggers.${r.trigger}`, r.trigger)})`;
      }
    }
    return formatValue(value);
  };
}

function Comparison(props: { before: Version; after: Version; versions: Version[]; a: string; b: string }) {
  const { t, i18n } = useTranslation();
  const { before, after } = props;
  const show = useShowValue();
  const rows = diffSnapshots(before.snapshot, after.snapshot);
  const between = changesBetween(props.versions, props.a, props.b);
  const changedCount = rows.filter((r) => r.changed).length;
  return (
    <Stack>
      <Paper withBorder p="xs">
        <Title order={2} size="h4" mb="xs" id="comparison-title">
          {t('history.comparison', { from: before.version, to: after.version, count: changedCount })}
        </Title>
        <Table aria-labelledby="comparison-title" data-testid="history-diff">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('history.field')}</Table.Th>
              <Table.Th>{t('history.versionN', { version: before.version })}</Table.Th>
              <Table.Th>{t('history.versionN', { version: after.version })}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr
                key={row.field}
                data-changed={row.changed ? 'true' : undefined}
                style={row.changed ? { background: 'var(--mantine-color-yellow-0)' } : undefined}
              >
                <Table.Th scope="row">
                  {fieldLabel(t, row.field)}
                  {row.changed && (
                    // Said in words, not only by colour.
                    <Badge ml="xs" size="xs" color="dark" variant="outline">
                      {t('history.changed')}
                    </Badge>
                  )}
                </Table.Th>
                <Table.Td>{show(row.field, row.before)}</Table.Td>
                <Table.Td>{show(row.field, row.after)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {between.length > 0 && (
        <Paper withBorder p="xs">
          <Title order={2} size="h4" mb="xs">
            {t('history.whoChanged')}
          </Title>
          <ul data-testid="history-between">
            {between.map((v) => (
              <li key={versionKey(v)}>
                <Text size="sm">
                  {t('history.changeLine', {
                    version: v.version,
                    name: v.actor.name,
                    at: formatDateTime(v.changedAt, i18n.language),
                    change: t(`history.changes.${v.change}`),
                    fields: v.changedFields.map((f) => fieldLabel(t, f)).join(', ') || '—',
                  })}
                </Text>
              </li>
            ))}
          </ul>
        </Paper>
      )}
    </Stack>
  );
}
