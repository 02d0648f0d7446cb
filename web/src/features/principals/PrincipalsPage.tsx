import {
  Alert,
  Badge,
  Button,
  Checkbox,
  CopyButton,
  Group,
  Modal,
  Stack,
  Table,
  TagsInput,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { useDescribeFailure } from '../../components/errors/use-server-errors';

type Principal = Schemas['PrincipalResponseDto'];
type RoleName = Principal['roles'][number];
const ROLES: readonly RoleName[] = ['admin', 'dpo', 'auditor', 'application'];

/** Admins manage who may call the service: principals, their keys (shown once), applications' purposes. */
export default function PrincipalsPage() {
  const { t } = useTranslation();
  const describeFailure = useDescribeFailure();
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['principals'],
    queryFn: async () => unwrap(await api.GET('/principals', { params: { query: { limit: 100 } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['principals'] });

  async function run(action: () => Promise<void>) {
    setFailure(null);
    try {
      await action();
    } catch (e) {
      setFailure(describeFailure(e));
    }
    await refresh();
  }
  const rotate = (p: Principal, keyId: string) =>
    run(async () => {
      const created = unwrap(
        await api.POST('/principals/{id}/keys', {
          params: { path: { id: p.id } },
          body: { replaceKeyId: keyId },
        }),
      );
      setShownKey(created.key);
    });
  const revoke = (p: Principal, keyId: string) =>
    run(async () => {
      if (!window.confirm(t('principals.confirmRevoke'))) return;
      unwrap(await api.DELETE('/principals/{id}/keys/{keyId}', { params: { path: { id: p.id, keyId } } }));
    });
  const setDisabled = (p: Principal, disabled: boolean) =>
    run(async () => {
      unwrap(await api.PATCH('/principals/{id}', { params: { path: { id: p.id } }, body: { disabled } }));
    });
  const authorise = (p: Principal, purposeCodes: string[]) =>
    run(async () => {
      unwrap(
        await api.PUT('/principals/{id}/purposes', {
          params: { path: { id: p.id } },
          body: { purposeCodes },
        }),
      );
    });
  // Reaching the intermediate archive is a separate, explicit grant per authorised purpose (ADR 0054).
  const grantArchive = (p: Principal, archivePurposeCodes: string[]) =>
    run(async () => {
      unwrap(
        await api.PUT('/principals/{id}/purposes', {
          params: { path: { id: p.id } },
          body: { purposeCodes: p.purposeCodes, archivePurposeCodes },
        }),
      );
    });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('principals.title')}
        </Title>
        <Button onClick={() => setCreating(true)}>{t('principals.new')}</Button>
      </Group>
      {failure && (
        <Alert color="red" role="alert">
          {failure}
        </Alert>
      )}
      {shownKey && <KeyShownOnce apiKey={shownKey} onClose={() => setShownKey(null)} />}
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('principals.name')}</Table.Th>
            <Table.Th>{t('principals.roles')}</Table.Th>
            <Table.Th>{t('principals.keys')}</Table.Th>
            <Table.Th>{t('principals.purposes')}</Table.Th>
            <Table.Th>{t('principals.state')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(list.data?.items ?? []).map((p) => (
            <Table.Tr key={p.id}>
              <Table.Td>{p.name}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {p.roles.map((r) => (
                    <Badge key={r} variant="light">
                      {t(`shell.roles.${r}`)}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <Stack gap={4}>
                  {p.keys
                    .filter((k) => !k.revokedAt)
                    .map((k) => (
                      <Group key={k.id} gap="xs">
                        <code>{k.prefix}</code>
                        <Button size="compact-xs" variant="default" onClick={() => void rotate(p, k.id)}>
                          {t('principals.rotate')}
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="default"
                          color="red"
                          onClick={() => void revoke(p, k.id)}
                        >
                          {t('principals.revoke')}
                        </Button>
                      </Group>
                    ))}
                </Stack>
              </Table.Td>
              <Table.Td>
                {p.roles.includes('application') && (
                  <Stack gap={4}>
                    <TagsInput
                      aria-label={t('principals.purposesOf', { name: p.name })}
                      defaultValue={p.purposeCodes}
                      onChange={(codes) => void authorise(p, codes)}
                    />
                    <TagsInput
                      description={t('principals.archiveAccess')}
                      aria-label={t('principals.archiveAccessOf', { name: p.name })}
                      value={p.archivePurposeCodes}
                      data={p.purposeCodes}
                      onChange={(codes) => void grantArchive(p, codes)}
                    />
                  </Stack>
                )}
              </Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="default" onClick={() => void setDisabled(p, !p.disabled)}>
                  {p.disabled ? t('principals.enable') : t('principals.disable')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        closeButtonProps={{ 'aria-label': t('app.close') }}
        title={t('principals.new')}
      >
        {creating && (
          <CreatePrincipalForm
            onCreated={(key) => {
              setCreating(false);
              setShownKey(key);
              void refresh();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

function CreatePrincipalForm({ onCreated }: { onCreated(key: string): void }) {
  const { t } = useTranslation();
  const describeFailure = useDescribeFailure();
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<RoleName[]>([]);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      const created = unwrap(await api.POST('/principals', { body: { name, roles } }));
      onCreated(created.key);
    } catch (e) {
      setError(describeFailure(e));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <TextInput
          name="name"
          label={t('principals.name')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Checkbox.Group label={t('principals.roles')} value={roles} onChange={setRoles}>
          <Group>
            {ROLES.map((r) => (
              <Checkbox key={r} value={r} label={t(`shell.roles.${r}`)} />
            ))}
          </Group>
        </Checkbox.Group>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit">{t('principals.create')}</Button>
      </Stack>
    </form>
  );
}

function KeyShownOnce({ apiKey, onClose }: { apiKey: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="orange"
      title={t('principals.shownOnceTitle')}
      // Orange on light orange falls short of 4.5:1 (axe); the body's text colour does not.
      styles={{ title: { color: 'var(--mantine-color-text)' } }}
      withCloseButton
      closeButtonLabel={t('app.close')}
      onClose={onClose}
    >
      <Stack gap="xs">
        <span>{t('principals.shownOnce')}</span>
        <Group>
          <code data-testid="new-key">{apiKey}</code>
          <CopyButton value={apiKey}>
            {({ copied, copy }) => (
              <Button size="xs" onClick={copy}>
                {copied ? t('principals.copied') : t('principals.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
