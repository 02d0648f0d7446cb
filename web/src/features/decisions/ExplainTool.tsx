import {
  Alert,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap, type Schemas } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import { OUTCOME_COLOUR } from '../../components/decisions/DecisionTable';
import { useApplications } from './use-applications';

type Explanation = Schemas['AccessExplanationDto'];

/** What-if: the answer the access check would give, with every rule evaluated per field. */
export function ExplainTool() {
  const { t } = useTranslation();
  const applications = useApplications();
  const [applicationId, setApplicationId] = useState<string | null>(null);
  const [purpose, setPurpose] = useState('');
  const [action, setAction] = useState('read');
  const [fields, setFields] = useState<string[]>([]);
  const [subjectId, setSubjectId] = useState('');
  const [result, setResult] = useState<Explanation | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setResult(null);
    try {
      setResult(
        unwrap(
          await api.POST('/access/explain', {
            body: {
              purpose: purpose.trim(),
              action: action.trim(),
              fields,
              ...(subjectId !== '' ? { subjectId } : {}),
              ...(applicationId ? { applicationId } : {}),
            },
          }),
        ),
      );
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('decisions.explainHelp')}
      </Text>
      <form onSubmit={(e) => void submit(e)} aria-label={t('decisions.explain')}>
        <Group align="end">
          <Select
            label={t('decisions.evaluateAs')}
            clearable
            value={applicationId}
            onChange={setApplicationId}
            data={(applications.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
          />
          <TextInput
            label={t('decisions.purpose')}
            required
            value={purpose}
            onChange={(e) => setPurpose(e.currentTarget.value)}
          />
          <TextInput
            label={t('decisions.action')}
            required
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
          />
          <TagsInput
            label={t('decisions.fields')}
            description={t('decisions.fieldsHelp')}
            value={fields}
            onChange={setFields}
          />
          <TextInput
            label={t('decisions.subject')}
            value={subjectId}
            onChange={(e) => setSubjectId(e.currentTarget.value)}
          />
          <Button type="submit">{t('decisions.explainButton')}</Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {result && (
        <Paper withBorder p="md" data-testid="explanation" aria-live="polite">
          <Stack>
            <Group>
              <StatusBadge color={OUTCOME_COLOUR[result.decision]} variant="light" size="lg">
                {t(`decisions.outcomes.${result.decision}`)}
              </StatusBadge>
              <Text size="sm">
                {t('decisions.explainedUnder', {
                  revision: result.policyRevision,
                  purpose: result.purpose.code,
                  version: result.purpose.version ?? '—',
                })}
              </Text>
            </Group>
            {result.fields.map((f) => (
              <Stack key={f.field} gap={4}>
                <Title order={3} size="h5">
                  <code>{f.field}</code> —{' '}
                  {f.allowed
                    ? t('decisions.allowed')
                    : t('decisions.refused', { reason: t(`decisions.reasons.${f.reason}`) })}
                </Title>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('decisions.rule')}</Table.Th>
                      <Table.Th>{t('decisions.ruleOutcome')}</Table.Th>
                      <Table.Th>{t('decisions.detail')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {f.trail.map((s, i) => (
                      <Table.Tr key={`${s.rule}-${i}`}>
                        <Table.Td>{t(`decisions.reasons.${s.rule}`)}</Table.Td>
                        <Table.Td>{t(`decisions.trailOutcomes.${s.outcome}`)}</Table.Td>
                        <Table.Td>{s.detail}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            ))}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
