import { Code, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap } from '../../api/client';
import { canRecordConsent } from '../../session/operations';
import { useSession } from '../../session/session';
import { formatDateTime } from '../../i18n/format';

/** Consent history, newest first, with its source and proof; the current state per purpose first. */
export function SubjectConsents({ subjectId }: { subjectId: string }) {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const consents = useQuery({
    queryKey: ['subject', subjectId, 'consents'],
    queryFn: async () =>
      unwrap(await api.GET('/subjects/{subjectId}/consents', { params: { path: { subjectId } } })),
  });
  const date = (iso: string) => formatDateTime(iso, i18n.language);
  const history = consents.data?.history ?? [];
  return (
    <>
      {!canRecordConsent(session?.principal.roles ?? []) && (
        <Text size="sm" c="dimmed">
          {t('subject.consentsByApplications')}
        </Text>
      )}
      {history.length === 0 ? (
        <Text c="dimmed">{t('subject.noConsent')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table data-testid="consent-history">
            <Table.Caption>{t('subject.consentHistory')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('subject.occurredAt')}</Table.Th>
                <Table.Th>{t('subject.purpose')}</Table.Th>
                <Table.Th>{t('subject.status')}</Table.Th>
                <Table.Th>{t('subject.source')}</Table.Th>
                <Table.Th>{t('subject.proof')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {history.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{date(c.occurredAt)}</Table.Td>
                  <Table.Td>
                    <code>{c.purpose}</code> v{c.purposeVersion}
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge color={c.status === 'granted' ? 'green' : 'red'} variant="light">
                      {t(`subject.consentStatus.${c.status}`)}
                    </StatusBadge>
                  </Table.Td>
                  <Table.Td>
                    {c.source}
                    <Text size="xs" c="dimmed">
                      {t('subject.recordedBy', { name: c.recordedBy, date: date(c.recordedAt) })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {Object.keys(c.proof).length ? (
                      <Code block>{JSON.stringify(c.proof, null, 1)}</Code>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
