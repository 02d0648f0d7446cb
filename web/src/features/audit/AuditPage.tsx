import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { downloadUrl } from '../../components/download/download-url';
import { explainVerification } from './verification';
import { formatDateTime } from '../../i18n/format';

type Filters = {
  from?: string;
  to?: string;
  type?: string;
  actor?: string;
  purpose?: string;
  subjectId?: string;
};
const FILTER_FIELDS = ['from', 'to', 'type', 'actor', 'purpose', 'subjectId'] as const;

/** Verify, browse and export the audit trail (DPOs and auditors; nobody writes here). */
export default function AuditPage() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>({});
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('audit.title')}
      </Title>
      <VerifySection />
      <CheckpointsSection />
      <EventsSection filters={filters} onSearch={setFilters} />
      <ExportSection filters={filters} />
    </Stack>
  );
}

function VerifySection() {
  const { t, i18n } = useTranslation();
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.GET('/audit/verify')),
  });
  const explanation = verify.data ? explainVerification(verify.data) : null;
  return (
    <Card withBorder component="section" aria-labelledby="verify-title">
      <Stack>
        <Title order={2} size="h4" id="verify-title">
          {t('audit.verify.title')}
        </Title>
        <Text size="sm">{t('audit.verify.help')}</Text>
        <Group>
          <Button onClick={() => verify.mutate()} loading={verify.isPending}>
            {t('audit.verify.run')}
          </Button>
        </Group>
        {verify.error && (
          <Alert color="red" role="alert">
            {t('errors.generic', { message: verify.error.message })}
          </Alert>
        )}
        {verify.data && explanation && (
          <div role="status" data-testid="verify-result" data-verdict={explanation.verdict}>
            <Alert
              variant="outline"
              color={explanation.verdict === 'broken' ? 'red.9' : 'teal.9'}
              title={
                explanation.verdict === 'broken'
                  ? t('audit.verify.broken', { seq: explanation.brokenLink!.seq })
                  : explanation.verdict === 'empty'
                    ? t('audit.verify.empty')
                    : t('audit.verify.intact')
              }
            >
              <List size="sm">
                {explanation.sentences.map((s) => (
                  <List.Item key={s.key}>{t(`audit.explain.${s.key}`, s.values)}</List.Item>
                ))}
              </List>
              <Text size="xs" mt="xs">
                {t('audit.verify.verifiedAt', {
                  date: formatDateTime(verify.data.verifiedAt, i18n.language),
                })}
              </Text>
            </Alert>
            {explanation.brokenLink && (
              <Table mt="sm" fz="sm" data-testid="broken-link">
                <caption>{t('audit.verify.brokenLink')}</caption>
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Th scope="row">{t('audit.verify.seq')}</Table.Th>
                    <Table.Td>{explanation.brokenLink.seq}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th scope="row">{t('audit.verify.reason')}</Table.Th>
                    <Table.Td>
                      <Code>{explanation.brokenLink.reason}</Code>
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th scope="row">{t('audit.verify.expected')}</Table.Th>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      <Code>{explanation.brokenLink.expected}</Code>
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th scope="row">{t('audit.verify.found')}</Table.Th>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      <Code>{explanation.brokenLink.found}</Code>
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th scope="row">{t('audit.verify.message')}</Table.Th>
                    <Table.Td>{explanation.brokenLink.message}</Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            )}
          </div>
        )}
      </Stack>
    </Card>
  );
}

function CheckpointsSection() {
  const { t, i18n } = useTranslation();
  const pages = useInfiniteQuery({
    queryKey: ['audit', 'checkpoints'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET('/audit/checkpoints', { params: { query: { limit: 10, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="checkpoints-title">
      <Title order={2} size="h4" id="checkpoints-title">
        {t('audit.checkpoints.title')}
      </Title>
      {pages.error && (
        <Alert color="red" role="alert">
          {t('errors.generic', { message: pages.error.message })}
        </Alert>
      )}
      {pages.data &&
        (items.length === 0 ? (
          <Text size="sm">{t('audit.checkpoints.none')}</Text>
        ) : (
          <Table fz="sm" data-testid="checkpoints-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.checkpoints.id')}</Table.Th>
                <Table.Th>{t('audit.checkpoints.seq')}</Table.Th>
                <Table.Th>{t('audit.checkpoints.signedAt')}</Table.Th>
                <Table.Th>{t('audit.checkpoints.keyId')}</Table.Th>
                <Table.Th>{t('audit.checkpoints.hash')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.id}</Table.Td>
                  <Table.Td>{c.headSeq}</Table.Td>
                  <Table.Td>{formatDateTime(c.signedAt, i18n.language)}</Table.Td>
                  <Table.Td ff="monospace">{c.keyId}</Table.Td>
                  <Table.Td ff="monospace" title={c.headHash}>
                    {c.headHash.slice(0, 16)}…
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      {pages.hasNextPage && (
        <Button variant="default" size="xs" mt="xs" onClick={() => void pages.fetchNextPage()}>
          {t('audit.checkpoints.more')}
        </Button>
      )}
    </Card>
  );
}

function EventsSection({ filters, onSearch }: { filters: Filters; onSearch: (f: Filters) => void }) {
  const { t, i18n } = useTranslation();
  const pages = useInfiniteQuery({
    queryKey: ['audit', 'events', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/audit/events', { params: { query: { ...filters, limit: 25, cursor: pageParam } } }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next: Filters = {};
    for (const f of FILTER_FIELDS) {
      const raw = data.get(f);
      const value = typeof raw === 'string' ? raw.trim() : '';
      if (value) next[f] = value;
    }
    onSearch(next);
  }

  return (
    <Card withBorder component="section" aria-labelledby="events-title">
      <Title order={2} size="h4" id="events-title">
        {t('audit.events.title')}
      </Title>
      <form onSubmit={submit} onReset={() => onSearch({})} aria-labelledby="events-title">
        <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
          <TextInput name="from" label={t('audit.events.from')} description={t('audit.events.dateHelp')} />
          <TextInput name="to" label={t('audit.events.to')} description={t('audit.events.dateHelp')} />
          <TextInput name="type" label={t('audit.events.type')} description={t('audit.events.typeHelp')} />
          <TextInput name="actor" label={t('audit.events.actor')} />
          <TextInput name="purpose" label={t('audit.events.purpose')} />
          <TextInput
            name="subjectId"
            label={t('audit.events.subject')}
            description={t('audit.events.subjectHelp')}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('audit.events.search')}</Button>
          <Button type="reset" variant="default">
            {t('audit.events.reset')}
          </Button>
        </Group>
      </form>
      {pages.error && (
        <Alert color="red" role="alert" mt="sm">
          {t('errors.generic', { message: pages.error.message })}
        </Alert>
      )}
      {pages.data &&
        (items.length === 0 ? (
          <Text size="sm" mt="sm">
            {t('audit.events.none')}
          </Text>
        ) : (
          <Table fz="sm" mt="sm" data-testid="events-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.events.seq')}</Table.Th>
                <Table.Th>{t('audit.events.occurredAt')}</Table.Th>
                <Table.Th>{t('audit.events.type')}</Table.Th>
                <Table.Th>{t('audit.events.actorName')}</Table.Th>
                <Table.Th>{t('audit.events.target')}</Table.Th>
                <Table.Th>{t('audit.events.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <EventRow key={e.seq} event={e} date={formatDateTime(e.occurredAt, i18n.language)} />
              ))}
            </Table.Tbody>
          </Table>
        ))}
      {pages.hasNextPage && (
        <Button variant="default" size="xs" mt="xs" onClick={() => void pages.fetchNextPage()}>
          {t('audit.events.more')}
        </Button>
      )}
    </Card>
  );
}

function EventRow({ event, date }: { event: Schemas['AuditEventResponseDto']; date: string }) {
  const { t } = useTranslation();
  return (
    <Table.Tr>
      <Table.Td>{event.seq}</Table.Td>
      <Table.Td>{date}</Table.Td>
      <Table.Td ff="monospace">{event.type}</Table.Td>
      <Table.Td>{event.actor.name}</Table.Td>
      <Table.Td>
        {event.target ? `${event.target.type}: ${event.target.id}` : '—'}
        {event.purposeCode && ` (${event.purposeCode})`}
      </Table.Td>
      <Table.Td>
        <details>
          <summary>{t('audit.events.details')}</summary>
          <Code block>{JSON.stringify(event.payload, null, 2)}</Code>
        </details>
      </Table.Td>
    </Table.Tr>
  );
}

function ExportSection({ filters }: { filters: Filters }) {
  const { t } = useTranslation();
  const filtered = Object.keys(filters).length > 0;
  return (
    <Card withBorder component="section" aria-labelledby="export-title">
      <Stack>
        <Title order={2} size="h4" id="export-title">
          {t('audit.export.title')}
        </Title>
        <Text size="sm">{t('audit.export.help')}</Text>
        <Group>
          <Button
            component="a"
            variant="default"
            href={downloadUrl('/audit/export', { ...filters, format: 'ndjson' })}
            download
          >
            {t('audit.export.trailNdjson')}
          </Button>
          <Button
            component="a"
            variant="default"
            href={downloadUrl('/audit/export', { ...filters, format: 'csv' })}
            download
          >
            {t('audit.export.trailCsv')}
          </Button>
          <Button component="a" variant="default" href="/audit/checkpoints/export" download>
            {t('audit.export.checkpoints')}
          </Button>
          <Button
            component="a"
            variant="default"
            href="/audit/public-key"
            download="finalite-audit-public-key.json"
          >
            {t('audit.export.publicKey')}
          </Button>
        </Group>
        {filtered && <Text size="xs">{t('audit.export.filtered')}</Text>}
      </Stack>
    </Card>
  );
}
