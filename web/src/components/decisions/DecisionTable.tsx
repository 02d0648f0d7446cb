import { Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../StatusBadge';
import type { Schemas } from '../../api/client';
import { formatDateTime } from '../../i18n/format';

type DecisionRecord = Schemas['AccessDecisionRecordDto'];

export const OUTCOME_COLOUR: Record<string, string> = { allow: 'green', deny: 'red', partial: 'orange' };

/** Recorded access decisions: who asked, for what, the answer per field and the register revision. */
export function DecisionTable({ items, caption }: { items: readonly DecisionRecord[]; caption: string }) {
  const { t, i18n } = useTranslation();
  if (items.length === 0) return <Text c="dimmed">{t('decisions.none')}</Text>;
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table data-testid="decision-table">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('decisions.when')}</Table.Th>
            <Table.Th>{t('decisions.application')}</Table.Th>
            <Table.Th>{t('decisions.purpose')}</Table.Th>
            <Table.Th>{t('decisions.outcome')}</Table.Th>
            <Table.Th>{t('decisions.fields')}</Table.Th>
            <Table.Th>{t('decisions.revision')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.seq}>
              <Table.Td>{formatDateTime(d.occurredAt, i18n.language)}</Table.Td>
              <Table.Td>{d.application.name}</Table.Td>
              <Table.Td>
                <code>{d.purposeCode}</code> · {d.action}
              </Table.Td>
              <Table.Td>
                <StatusBadge color={OUTCOME_COLOUR[d.decision] ?? 'gray'} variant="light">
                  {t(`decisions.outcomes.${d.decision}`)}
                </StatusBadge>
              </Table.Td>
              <Table.Td>
                <Stack gap={2}>
                  {d.fields.map((f) => (
                    <Group key={f.field} gap={6} wrap="nowrap">
                      <code>{f.field}</code>
                      <Text size="sm" c={f.allowed ? undefined : 'red.9'}>
                        {f.allowed
                          ? t('decisions.allowed')
                          : t('decisions.refused', { reason: t(`decisions.reasons.${f.reason}`) })}
                        {f.obligation ? ` (${f.obligation})` : ''}
                      </Text>
                    </Group>
                  ))}
                </Stack>
              </Table.Td>
              <Table.Td>{d.policyRevision ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
