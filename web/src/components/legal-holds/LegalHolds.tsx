import { Alert, Button, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { InlineForm } from '../InlineForm';
import { LiftableStatus } from '../LiftableStatus';
import { api, unwrap, type Schemas } from '../../api/client';
import { errorMessage } from '../api-error';
import { formatDateTime } from '../../i18n/format';

type LegalHold = Schemas['LegalHoldResponseDto'];
type Scope = LegalHold['scope'];
export const LEGAL_HOLDS_QUERY = ['legal-holds'] as const;

/**
 * Legal holds, placed and lifted, with reason and end date. Given a subject, only the holds on
 * that subject, and a new hold is placed on it; otherwise every hold, any scope.
 */
export function LegalHolds({ subjectId, editable }: { subjectId?: string; editable: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const list = useQuery({
    queryKey: [...LEGAL_HOLDS_QUERY, 'all'],
    queryFn: async () => unwrap(await api.GET('/legal-holds', { params: { query: { state: 'all' } } })),
  });
  const items = (list.data?.items ?? []).filter(
    (h) => subjectId === undefined || (h.scope === 'subject' && h.subjectId === subjectId),
  );
  const date = (iso: string | null) => (iso ? formatDateTime(iso, i18n.language) : '—');
  async function lift(hold: LegalHold) {
    if (!window.confirm(t('holds.confirmLift'))) return;
    setFailure(null);
    try {
      unwrap(await api.DELETE('/legal-holds/{id}', { params: { path: { id: hold.id } } }));
    } catch (e) {
      setFailure(errorMessage(e));
    }
    await client.invalidateQueries({ queryKey: LEGAL_HOLDS_QUERY });
  }
  const target = (h: LegalHold) =>
    h.scope === 'subject' ? h.subjectId : h.scope === 'system' ? h.systemCode : h.datasetId;
  return (
    <Stack>
      {failure && (
        <Alert color="red" role="alert">
          {failure}
        </Alert>
      )}
      {items.length === 0 ? (
        <Text c="dimmed">{t('holds.none')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table data-testid="legal-holds">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('holds.scope')}</Table.Th>
                <Table.Th>{t('holds.reason')}</Table.Th>
                <Table.Th>{t('holds.placed')}</Table.Th>
                <Table.Th>{t('holds.endsAt')}</Table.Th>
                <Table.Th>{t('holds.state')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((h) => (
                <Table.Tr key={h.id}>
                  <Table.Td>
                    {t(`holds.scopes.${h.scope}`)} <code>{target(h)}</code>
                  </Table.Td>
                  <Table.Td>{h.reason}</Table.Td>
                  <Table.Td>
                    {date(h.placedAt)} · {h.placedBy.name}
                  </Table.Td>
                  <Table.Td>{date(h.endsAt)}</Table.Td>
                  <Table.Td>
                    <LiftableStatus
                      inForce={h.inForce}
                      inForceLabel={t('holds.inForce')}
                      liftLabel={t('holds.lift')}
                      liftedText={t('holds.liftedOn', {
                        date: date(h.liftedAt),
                        name: h.liftedBy?.name ?? '—',
                      })}
                      canLift={editable}
                      onLift={() => void lift(h)}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editable && <PlaceHoldForm subjectId={subjectId} />}
    </Stack>
  );
}

function PlaceHoldForm({ subjectId }: { subjectId?: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [scope, setScope] = useState<Scope>('subject');
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [error, setError] = useState<string | null>(null);
  const rules = useQuery({
    queryKey: ['retention', 'rules'],
    queryFn: async () => unwrap(await api.GET('/retention/rules')),
    enabled: subjectId === undefined,
  });
  const datasets = rules.data?.items ?? [];
  const systems = [...new Set(datasets.map((d) => d.system))];
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const effectiveScope: Scope = subjectId !== undefined ? 'subject' : scope;
    const subject = subjectId ?? target;
    try {
      unwrap(
        await api.POST('/legal-holds', {
          body: {
            scope: effectiveScope,
            reason,
            ...(effectiveScope === 'subject' ? { subjectId: subject } : {}),
            ...(effectiveScope === 'system' ? { systemCode: target } : {}),
            ...(effectiveScope === 'dataset' ? { datasetId: target } : {}),
            ...(endsAt ? { endsAt: new Date(endsAt).toISOString() } : {}),
          },
        }),
      );
      setReason('');
      setTarget('');
      setEndsAt('');
    } catch (e) {
      setError(errorMessage(e));
    }
    await client.invalidateQueries({ queryKey: LEGAL_HOLDS_QUERY });
  }
  return (
    <InlineForm
      titleId="place-hold-title"
      title={subjectId !== undefined ? t('holds.placeOnSubject') : t('holds.place')}
      error={error}
      onSubmit={(e) => void submit(e)}
    >
      {subjectId === undefined && (
        <Select
          label={t('holds.scope')}
          value={scope}
          allowDeselect={false}
          onChange={(v) => {
            setScope(v ?? 'subject');
            setTarget('');
          }}
          data={(['subject', 'system', 'dataset'] as const).map((s) => ({
            value: s,
            label: t(`holds.scopes.${s}`),
          }))}
        />
      )}
      {subjectId === undefined && scope === 'subject' && (
        <TextInput
          label={t('holds.subjectId')}
          required
          value={target}
          onChange={(e) => setTarget(e.currentTarget.value)}
        />
      )}
      {subjectId === undefined && scope === 'system' && (
        <Select
          label={t('holds.system')}
          required
          value={target || null}
          onChange={(v) => setTarget(v ?? '')}
          data={systems}
        />
      )}
      {subjectId === undefined && scope === 'dataset' && (
        <Select
          label={t('holds.dataset')}
          required
          value={target || null}
          onChange={(v) => setTarget(v ?? '')}
          data={datasets.map((d) => ({ value: d.datasetId, label: `${d.system} · ${d.dataset}` }))}
        />
      )}
      <TextInput
        label={t('holds.reason')}
        required
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <TextInput
        type="date"
        label={t('holds.endsAtOptional')}
        value={endsAt}
        onChange={(e) => setEndsAt(e.currentTarget.value)}
      />
      <Button type="submit">{t('holds.placeButton')}</Button>
    </InlineForm>
  );
}
