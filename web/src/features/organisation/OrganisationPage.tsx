import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Schemas } from '../../api/client';
import { useServerErrors } from '../../components/errors/use-server-errors';
import { canEditRegister, useSession } from '../../session/session';
import { formatDateTime } from '../../i18n/format';

type Organisation = Schemas['OrganisationResponseDto'];
type Party = Schemas['OrganisationPartyDto'];

const FIELDS = [
  'name',
  'address',
  'contact',
  'establishedInEu',
  'dpo',
  'dpo.name',
  'dpo.contact',
  'representative',
  'representative.name',
  'representative.contact',
] as const;
const PARTIES = ['dpo', 'representative'] as const;
const ORGANISATION_QUERY = ['organisation'] as const;

/** GET answers 404 ORGANISATION_NOT_DECLARED until the first PUT: that is an empty record, not a failure. */
async function fetchOrganisation(): Promise<Organisation | null> {
  try {
    return unwrap(await api.GET('/register/organisation'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** The controller, its DPO and its EU representative (art. 30(1)(a), art. 27, art. 37): DPOs edit, auditors read. */
export default function OrganisationPage() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const editable = canEditRegister(session?.principal.roles ?? []);
  const query = useQuery({ queryKey: ORGANISATION_QUERY, queryFn: fetchOrganisation });
  const org = query.data ?? null;
  // Held here: the form is remounted on the new version after a save, so it cannot hold it.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('organisation.title')}
      </Title>
      <Text size="sm">{t('organisation.intro')}</Text>
      {query.isError && (
        <Alert color="red" role="alert">
          {String(query.error)}
        </Alert>
      )}
      {org && savedVersion === org.version && (
        <Alert color="green" role="status">
          {t('organisation.saved')}
        </Alert>
      )}
      {org && (
        <Text size="sm" c="dimmed" data-testid="organisation-updated">
          {t('organisation.updated', {
            version: org.version,
            name: org.updatedBy.name,
            at: formatDateTime(org.updatedAt, i18n.language),
          })}
        </Text>
      )}
      {!query.isPending &&
        !query.isError &&
        (editable ? (
          // Keyed on the version: a save or a reload resets the form to what the service holds.
          <OrganisationForm key={org?.version ?? 0} organisation={org} onSaved={setSavedVersion} />
        ) : (
          <OrganisationView organisation={org} />
        ))}
    </Stack>
  );
}

function OrganisationView({ organisation }: { organisation: Organisation | null }) {
  const { t } = useTranslation();
  if (!organisation) return <Alert color="gray">{t('organisation.notDeclared')}</Alert>;
  const party = (p: Organisation['dpo']) => (p ? `${p.name} — ${p.contact}` : t('organisation.none'));
  const rows: [string, string][] = [
    [t('organisation.name'), organisation.name],
    [t('organisation.address'), organisation.address],
    [t('organisation.contact'), organisation.contact],
    [
      t('organisation.establishedInEu'),
      organisation.establishedInEu ? t('organisation.yes') : t('organisation.no'),
    ],
    [t('organisation.dpo'), party(organisation.dpo)],
    [t('organisation.representative'), party(organisation.representative)],
  ];
  return (
    <Table aria-label={t('organisation.title')}>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row">{label}</Table.Th>
            <Table.Td style={{ whiteSpace: 'pre-line' }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/**
 * The whole record in one PUT (optional parts left empty are cleared), with If-Match: the version
 * the form was opened on ("0" before the first declaration), so a concurrent change is never overwritten.
 */
function OrganisationForm({
  organisation,
  onSaved,
}: {
  organisation: Organisation | null;
  onSaved(version: number): void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [establishedInEu, setEstablishedInEu] = useState(organisation?.establishedInEu ?? true);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(false);
  const { errors, setFromError, clear, fieldError } = useServerErrors(FIELDS);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = data.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
    // Both parts empty: none designated (null). One of them filled: sent as typed, so that the
    // service says which part is missing, on that field.
    const party = (prefix: string): Party | null => {
      const name = text(`${prefix}.name`);
      const contact = text(`${prefix}.contact`);
      return name || contact ? { name, contact } : null;
    };
    setBusy(true);
    clear();
    try {
      const result = unwrap(
        await api.PUT('/register/organisation', {
          params: { header: { 'If-Match': `"${organisation?.version ?? 0}"` } },
          body: {
            name: text('name'),
            address: text('address'),
            contact: text('contact'),
            establishedInEu,
            dpo: party('dpo'),
            representative: party('representative'),
          },
        }),
      );
      onSaved(result.version);
      client.setQueryData(ORGANISATION_QUERY, result);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) setConflict(true);
      else setFromError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={t('organisation.title')}>
      <Stack maw={720}>
        {conflict && (
          <Alert color="orange" role="alert">
            {t('organisation.conflict')}{' '}
            <Button
              size="xs"
              variant="light"
              onClick={() => void client.invalidateQueries({ queryKey: ORGANISATION_QUERY })}
            >
              {t('register.reload')}
            </Button>
          </Alert>
        )}
        {errors._form && (
          <Alert color="red" role="alert">
            {errors._form}
          </Alert>
        )}
        {!organisation && <Alert color="gray">{t('organisation.notDeclared')}</Alert>}
        <TextInput
          name="name"
          label={t('organisation.name')}
          defaultValue={organisation?.name ?? ''}
          required
          error={fieldError('name')}
        />
        <Textarea
          name="address"
          label={t('organisation.address')}
          autosize
          minRows={3}
          defaultValue={organisation?.address ?? ''}
          required
          error={fieldError('address')}
        />
        <TextInput
          name="contact"
          label={t('organisation.contact')}
          defaultValue={organisation?.contact ?? ''}
          required
          error={fieldError('contact')}
        />
        <Checkbox
          label={t('organisation.establishedInEu')}
          description={t('organisation.establishedInEuHelp')}
          checked={establishedInEu}
          onChange={(e) => setEstablishedInEu(e.currentTarget.checked)}
          error={fieldError('establishedInEu')}
        />
        {PARTIES.map((prefix) => (
          <Fieldset key={prefix} legend={t(`organisation.${prefix}`)}>
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                {t(`organisation.${prefix}Help`)}
              </Text>
              {prefix === 'representative' && !establishedInEu && !organisation?.representative && (
                <Alert color="orange">{t('organisation.representativeExpected')}</Alert>
              )}
              <TextInput
                name={`${prefix}.name`}
                label={t(`organisation.${prefix}Name`)}
                defaultValue={organisation?.[prefix]?.name ?? ''}
                error={fieldError(`${prefix}.name`) ?? fieldError(prefix)}
              />
              <TextInput
                name={`${prefix}.contact`}
                label={t(`organisation.${prefix}Contact`)}
                defaultValue={organisation?.[prefix]?.contact ?? ''}
                error={fieldError(`${prefix}.contact`)}
              />
            </Stack>
          </Fieldset>
        ))}
        <Group justify="flex-end">
          <Button type="submit" loading={busy}>
            {t('organisation.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
