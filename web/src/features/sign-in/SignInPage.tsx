import { Alert, Button, Container, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { useSession } from '../../session/session';

export default function SignInPage() {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const input = form.elements.namedItem('apiKey') as HTMLInputElement;
    setBusy(true);
    setError(null);
    try {
      await signIn(input.value.trim());
    } catch (e) {
      const code = e instanceof ApiError ? e.body.error : '';
      setError(
        code === 'CONSOLE_NOT_FOR_APPLICATIONS'
          ? t('signIn.application')
          : code === 'AUTHENTICATION_THROTTLED'
            ? t('signIn.throttled')
            : t('signIn.failed'),
      );
    } finally {
      // The key leaves the page with the request: the field is emptied whatever the answer.
      input.value = '';
      setBusy(false);
    }
  }

  return (
    <Container size={460} py="xl" component="main" id="main">
      <form onSubmit={(e) => void submit(e)} autoComplete="off">
        <Stack>
          <Title order={1}>{t('signIn.title')}</Title>
          <PasswordInput
            name="apiKey"
            label={t('signIn.apiKey')}
            description={t('signIn.apiKeyHelp')}
            required
            autoFocus
            autoComplete="off"
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy}>
            {t('signIn.submit')}
          </Button>
          <Text size="xs" c="dimmed">
            Finalité
          </Text>
        </Stack>
      </form>
    </Container>
  );
}
