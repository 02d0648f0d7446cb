import { Button, Group, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { DecisionTable } from '../../components/decisions/DecisionTable';
import { LegalHolds } from '../../components/legal-holds/LegalHolds';
import { canOperate } from '../../session/operations';
import { useSession } from '../../session/session';
import { SubjectConsents } from './SubjectConsents';
import { SubjectErasure } from './SubjectErasure';
import { SubjectRestrictions } from './SubjectRestrictions';

/**
 * One data subject in one place: consents, restrictions and objections, legal holds, erasure
 * requests and the access decisions taken about them. The id stays in the address (?id=) so
 * that the page can be reloaded; the service hashes it to search the audit trail.
 */
export default function SubjectPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const editable = canOperate(session?.principal.roles ?? []);
  const [params, setParams] = useSearchParams();
  const subjectId = params.get('id') ?? '';
  const [typed, setTyped] = useState(subjectId);
  function lookUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (typed !== '') setParams({ id: typed });
  }
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('subject.title')}
      </Title>
      <form onSubmit={lookUp} role="search" aria-label={t('subject.lookUp')}>
        <Group align="end">
          <TextInput
            label={t('subject.subjectId')}
            description={t('subject.subjectIdHelp')}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            required
          />
          <Button type="submit">{t('subject.lookUp')}</Button>
        </Group>
      </form>
      {subjectId !== '' && <SubjectFile key={subjectId} subjectId={subjectId} editable={editable} />}
    </Stack>
  );
}

function Section({ title, id, children }: { title: string; id: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Stack>
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

function SubjectFile({ subjectId, editable }: { subjectId: string; editable: boolean }) {
  const { t } = useTranslation();
  const decisions = useQuery({
    queryKey: ['decisions', 'subject', subjectId],
    queryFn: async () =>
      unwrap(await api.GET('/audit/decisions', { params: { query: { subjectId, limit: 50 } } })),
  });
  return (
    <Stack data-testid="subject-file">
      <Title order={2} size="h3">
        {t('subject.fileOf', { id: subjectId })}
      </Title>
      <Section title={t('subject.consents')} id="subject-consents">
        <SubjectConsents subjectId={subjectId} />
      </Section>
      <Section title={t('subject.restrictions')} id="subject-restrictions">
        <SubjectRestrictions subjectId={subjectId} editable={editable} />
      </Section>
      <Section title={t('subject.holds')} id="subject-holds">
        <LegalHolds subjectId={subjectId} editable={editable} />
      </Section>
      <Section title={t('subject.erasure')} id="subject-erasure">
        <SubjectErasure subjectId={subjectId} editable={editable} />
      </Section>
      <Section title={t('subject.decisions')} id="subject-decisions">
        <DecisionTable items={decisions.data?.items ?? []} caption={t('subject.decisionsCaption')} />
      </Section>
    </Stack>
  );
}
