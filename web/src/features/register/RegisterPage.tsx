import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../../api/client';
import { useDescribeFailure } from '../../components/errors/use-server-errors';
import { canEditRegister, useSession } from '../../session/session';
import { buildPurposeTree, flattenTree, provenanceOf } from './purpose-tree';
import { LEGAL_BASES, PurposeForm } from './PurposeForm';

type Purpose = Schemas['PurposeResponseDto'];
const ROWS_PER_STEP = 200;
type Editing = { mode: 'create'; parentCode?: string } | { mode: 'edit'; purpose: Purpose } | null;

/** The register: the purpose tree with filters, one purpose's declaration, and the DPO's actions. */
export default function RegisterPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const editable = canEditRegister(session?.principal.roles ?? []);
  const client = useQueryClient();
  const describeFailure = useDescribeFailure();
  const [status, setStatus] = useState<string | null>(null);
  const [legalBasis, setLegalBasis] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [conflict, setConflict] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  // Every page of the register (500 a request, the service's maximum): the tree needs all of it.
  const list = useQuery({
    queryKey: ['purposes', { status, legalBasis, text }],
    queryFn: async () => {
      const items: Purpose[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await api.GET('/purposes', {
            params: {
              query: {
                limit: 500,
                ...(cursor ? { cursor } : {}),
                ...(status ? { status: status as Purpose['status'] } : {}),
                ...(legalBasis ? { legalBasis: legalBasis as NonNullable<Purpose['legalBasis']> } : {}),
                ...(text.trim() ? { q: text.trim() } : {}),
              },
            },
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { items };
    },
  });
  const rows = useMemo(() => flattenTree(buildPurposeTree(list.data?.items ?? [])), [list.data]);
  const current = rows.find((r) => r.purpose.code === selected)?.purpose;
  // Only a window of the tree is in the page: a register of thousands stays responsive.
  const [shown, setShown] = useState(ROWS_PER_STEP);

  const refresh = () => client.invalidateQueries({ queryKey: ['purposes'] });
  async function act(action: 'activate' | 'retire' | 'delete', purpose: Purpose) {
    setActionError(null);
    try {
      const path = { params: { path: { code: purpose.code } } };
      if (action === 'activate') unwrap(await api.POST('/purposes/{code}/activate', path));
      else if (action === 'retire') unwrap(await api.POST('/purposes/{code}/retire', path));
      else {
        if (!window.confirm(t('register.confirmDelete', { code: purpose.code }))) return;
        unwrap(await api.DELETE('/purposes/{code}', path));
        setSelected(null);
      }
    } catch (e) {
      setActionError(describeFailure(e));
    }
    await refresh();
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('register.title')}
        </Title>
        {editable && <Button onClick={() => setEditing({ mode: 'create' })}>{t('register.new')}</Button>}
      </Group>
      {!editable && <Alert color="gray">{t('register.readOnly')}</Alert>}
      <Group>
        <Select
          label={t('register.filters.status')}
          placeholder={t('register.filters.any')}
          clearable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={status}
          onChange={setStatus}
          data={(['draft', 'active', 'retired'] as const).map((s) => ({
            value: s,
            label: t(`register.status.${s}`),
          }))}
        />
        <Select
          label={t('register.filters.legalBasis')}
          placeholder={t('register.filters.any')}
          clearable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          value={legalBasis}
          onChange={setLegalBasis}
          data={LEGAL_BASES.map((b) => ({ value: b, label: t(`purpose.legalBases.${b}`) }))}
        />
        <TextInput
          label={t('register.filters.text')}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </Group>
      {conflict && (
        <Alert
          color="orange"
          role="alert"
          withCloseButton
          onClose={() => setConflict(false)}
          closeButtonLabel={t('register.reload')}
        >
          {t('register.conflict')}{' '}
          <Button
            size="xs"
            variant="light"
            onClick={() => {
              setConflict(false);
              void refresh();
            }}
          >
            {t('register.reload')}
          </Button>
        </Alert>
      )}
      {actionError && (
        <Alert color="red" role="alert">
          {actionError}
        </Alert>
      )}
      <Group align="flex-start" grow>
        <Paper withBorder p="xs">
          {rows.length === 0 && !list.isPending ? (
            <Text>{t('register.empty')}</Text>
          ) : (
            <ul aria-label={t('register.title')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
              {rows.slice(0, shown).map(({ purpose, depth }) => (
                <li key={purpose.code} style={{ paddingLeft: depth * 20 }}>
                  <UnstyledButton
                    onClick={() => setSelected(purpose.code)}
                    aria-current={purpose.code === selected ? 'true' : undefined}
                    p={4}
                  >
                    <Group gap="xs">
                      <Text fw={purpose.code === selected ? 700 : 400}>{purpose.name}</Text>
                      <Text size="xs" c="dimmed">
                        {purpose.code}
                      </Text>
                      <Badge size="xs" variant="outline">
                        {t(`register.status.${purpose.status}`)}
                      </Badge>
                    </Group>
                  </UnstyledButton>
                </li>
              ))}
            </ul>
          )}
          {rows.length > shown && (
            <Group mt="xs">
              <Text size="sm">{t('register.shownOf', { shown, total: rows.length })}</Text>
              <Button size="xs" variant="default" onClick={() => setShown((n) => n + ROWS_PER_STEP)}>
                {t('register.showMore')}
              </Button>
            </Group>
          )}
        </Paper>
        {current && (
          <Paper withBorder p="md" aria-labelledby="purpose-title">
            <Stack>
              <Title order={2} size="h3" id="purpose-title">
                {current.name}
              </Title>
              <Declaration purpose={current} />
              <Anchor component={Link} to={`/register/history/${encodeURIComponent(current.code)}`}>
                {t('history.open')}
              </Anchor>
              {editable && (
                <Group>
                  {current.status !== 'retired' && (
                    <Button variant="default" onClick={() => setEditing({ mode: 'edit', purpose: current })}>
                      {t('register.actions.edit')}
                    </Button>
                  )}
                  {current.status !== 'retired' && (
                    <Button
                      variant="default"
                      onClick={() => setEditing({ mode: 'create', parentCode: current.code })}
                    >
                      {t('register.newSub')}
                    </Button>
                  )}
                  {current.status === 'draft' && (
                    <Button onClick={() => void act('activate', current)}>
                      {t('register.actions.activate')}
                    </Button>
                  )}
                  {current.status === 'active' && (
                    <Button color="orange" onClick={() => void act('retire', current)}>
                      {t('register.actions.retire')}
                    </Button>
                  )}
                  {current.status === 'draft' && (
                    <Button color="red" variant="light" onClick={() => void act('delete', current)}>
                      {t('register.actions.delete')}
                    </Button>
                  )}
                </Group>
              )}
            </Stack>
          </Paper>
        )}
      </Group>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        closeButtonProps={{ 'aria-label': t('app.close') }}
        size="lg"
        title={
          editing?.mode === 'edit'
            ? editing.purpose.name
            : editing?.parentCode
              ? t('register.newSub')
              : t('register.new')
        }
      >
        {editing && (
          <PurposeForm
            purpose={editing.mode === 'edit' ? editing.purpose : undefined}
            parentCode={editing.mode === 'create' ? editing.parentCode : undefined}
            onCancel={() => setEditing(null)}
            onConflict={() => {
              setEditing(null);
              setConflict(true);
            }}
            onDone={(saved) => {
              setEditing(null);
              setSelected(saved.code);
              void refresh();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

/** The declaration in art. 30 order; inherited values are marked with the ancestor they come from. */
function Declaration({ purpose }: { purpose: Purpose }) {
  const { t } = useTranslation();
  const show = (value: unknown): string => {
    if (value === null || value === undefined) return '—';
    if (Array.isArray(value))
      return (
        value.map((v) => (typeof v === 'string' ? v : ((v as { name?: string }).name ?? ''))).join(', ') ||
        '—'
      );
    if (typeof value === 'object') {
      const v = value as { name?: string; duration?: string; trigger?: string };
      return v.duration ? `${v.duration} (${t(`purpose.triggers.${v.trigger}`)})` : (v.name ?? '—');
    }
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '—';
  };
  const rows: [string, string, unknown][] = [
    ['code', t('purpose.code'), purpose.code],
    ['parentCode', t('purpose.parentCode'), purpose.parentCode],
    ['description', t('purpose.description'), purpose.description],
    [
      'legalBasis',
      t('purpose.legalBasis'),
      purpose.legalBasis && t(`purpose.legalBases.${purpose.legalBasis}`),
    ],
    ['controller', t('purpose.controller'), purpose.controller],
    ['dataSubjectCategories', t('purpose.dataSubjectCategories'), purpose.dataSubjectCategories],
    ['dataCategories', t('purpose.dataCategories'), purpose.dataCategories],
    ['recipients', t('purpose.recipients'), purpose.recipients],
    ['retention', t('purpose.retentionDuration'), purpose.retention],
    ['securityMeasures', t('purpose.securityMeasures'), purpose.securityMeasures],
  ];
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([field, label, value]) => {
          const origin = provenanceOf(purpose, field);
          return (
            <Table.Tr key={field}>
              <Table.Th scope="row">{label}</Table.Th>
              <Table.Td>
                {show(value)}
                {origin.inherited && (
                  <Text span size="xs" c="dimmed" ml="xs" fs="italic">
                    ({t('register.inherited', { parent: origin.from })})
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
