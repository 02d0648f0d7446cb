import { Alert, Button, Select, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { InlineForm } from '../../components/InlineForm';
import { LiftableStatus } from '../../components/LiftableStatus';
import { api, unwrap, type Schemas } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import { formatDateTime } from '../../i18n/format';

type Restriction = Schemas['RestrictionResponseDto'];
type Kind = Restriction['kind'];

/** Restrictions (art. 18) and objections (art. 21): in force and lifted, set and lifted by a DPO. */
export function SubjectRestrictions({ subjectId, editable }: { subjectId: string; editable: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  const key = ['subject', subjectId, 'restrictions'];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      unwrap(await api.GET('/subjects/{subjectId}/restrictions', { params: { path: { subjectId } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: key });
  const date = (iso: string | null) => (iso ? formatDateTime(iso, i18n.language) : '—');
  async function lift(r: Restriction) {
    const reason = window.prompt(t('subject.liftReason'));
    if (!reason) return;
    setFailure(null);
    try {
      unwrap(
        await api.POST('/subjects/{subjectId}/restrictions/{restrictionId}/lift', {
          params: { path: { subjectId, restrictionId: r.id } },
          body: { reason },
        }),
      );
    } catch (e) {
      setFailure(errorMessage(e));
    }
    await refresh();
  }
  const items = list.data?.items ?? [];
  return (
    <Stack>
      {failure && (
        <Alert color="red" role="alert">
          {failure}
        </Alert>
      )}
      {items.length === 0 ? (
        <Text c="dimmed">{t('subject.noRestriction')}</Text>
      ) : (
        <Table data-testid="restrictions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('subject.kind')}</Table.Th>
              <Table.Th>{t('subject.purposes')}</Table.Th>
              <Table.Th>{t('subject.reason')}</Table.Th>
              <Table.Th>{t('subject.setAt')}</Table.Th>
              <Table.Th>{t('subject.state')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{t(`subject.kinds.${r.kind}`)}</Table.Td>
                <Table.Td>{r.purposes?.join(', ') ?? t('subject.everyPurpose')}</Table.Td>
                <Table.Td>{r.reason}</Table.Td>
                <Table.Td>{date(r.setAt)}</Table.Td>
                <Table.Td>
                  <LiftableStatus
                    inForce={r.active}
                    inForceLabel={t('subject.active')}
                    liftLabel={t('subject.lift')}
                    liftedText={t('subject.liftedOn', { date: date(r.liftedAt), reason: r.liftReason ?? '' })}
                    canLift={editable}
                    onLift={() => void lift(r)}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editable && <RestrictForm subjectId={subjectId} onDone={refresh} />}
    </Stack>
  );
}

function RestrictForm({ subjectId, onDone }: { subjectId: string; onDone(): Promise<void> }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('restriction');
  const [purposes, setPurposes] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    try {
      unwrap(
        await api.POST('/subjects/{subjectId}/restrictions', {
          params: { path: { subjectId } },
          body: { kind, reason, ...(purposes.length ? { purposes } : {}) },
        }),
      );
      setReason('');
      setPurposes([]);
    } catch (e) {
      setError(errorMessage(e));
    }
    await onDone();
  }
  return (
    <InlineForm
      titleId="restrict-title"
      title={t('subject.restrict')}
      error={error}
      onSubmit={(e) => void submit(e)}
    >
      <Select
        label={t('subject.kind')}
        value={kind}
        allowDeselect={false}
        onChange={(v) => setKind(v ?? 'restriction')}
        data={(['restriction', 'objection'] as const).map((k) => ({
          value: k,
          label: t(`subject.kinds.${k}`),
        }))}
      />
      <TagsInput
        label={t('subject.purposes')}
        description={t('subject.purposesHelp')}
        value={purposes}
        onChange={setPurposes}
      />
      <TextInput
        label={t('subject.reason')}
        required
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <Button type="submit">{t('subject.restrictButton')}</Button>
    </InlineForm>
  );
}
