import { AppShell, Badge, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink as RouterLink, Outlet } from 'react-router';
import { LANGUAGES, setLanguage, type Language } from '../../i18n';
import { canOversee, useSession } from '../../session/session';
import { canReadOperations } from '../../session/operations';

/** The frame of every signed-in screen: navigation by role, who am I, language, sign out. */
export default function Shell() {
  const { t, i18n } = useTranslation();
  const { session, signOut } = useSession();
  if (!session) return null;
  const roles = session.principal.roles;
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={2} size="h3">
            {t('app.name')}
          </Title>
          <Group>
            <Text size="sm" data-testid="whoami">
              {t('shell.signedInAs', { name: session.principal.name })}
            </Text>
            {roles.map((role) => (
              <Badge key={role} variant="light">
                {t(`shell.roles.${role}`)}
              </Badge>
            ))}
            <SegmentedControl
              size="xs"
              aria-label={t('shell.language')}
              value={i18n.language}
              onChange={(value) => setLanguage(value as Language)}
              data={LANGUAGES.map((l) => ({ value: l, label: l.toUpperCase() }))}
            />
            <Button variant="default" size="xs" onClick={() => void signOut()}>
              {t('shell.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('app.name')}>
        {(roles.includes('dpo') || roles.includes('auditor')) && (
          <NavLink component={RouterLink} to="/register" label={t('shell.register')} />
        )}
        {(roles.includes('dpo') || roles.includes('auditor')) && (
          <NavLink component={RouterLink} to="/organisation" label={t('organisation.nav')} />
        )}
        {(roles.includes('dpo') || roles.includes('auditor')) && (
          <NavLink component={RouterLink} to="/register-as-code" label={t('registerIo.nav')} />
        )}
        {(roles.includes('dpo') || roles.includes('auditor')) && (
          <>
            <NavLink component={RouterLink} to="/inventory" label={t('inventory.title')} />
            <NavLink component={RouterLink} to="/matrix" label={t('matrix.title')} />
            <NavLink component={RouterLink} to="/data-map" label={t('dataMap.title')} />
          </>
        )}
        {roles.includes('admin') && (
          <NavLink component={RouterLink} to="/principals" label={t('shell.principals')} />
        )}
        {canOversee(roles) && (
          <>
            <NavLink component={RouterLink} to="/dashboard" label={t('dashboard.nav')} />
            <NavLink component={RouterLink} to="/audit" label={t('audit.nav')} />
            <NavLink component={RouterLink} to="/reports" label={t('reports.nav')} />
          </>
        )}
        {canReadOperations(roles) && (
          <>
            <NavLink component={RouterLink} to="/subject" label={t('subject.nav')} />
            <NavLink component={RouterLink} to="/decisions" label={t('decisions.nav')} />
            <NavLink component={RouterLink} to="/retention" label={t('retention.nav')} />
          </>
        )}
      </AppShell.Navbar>
      <AppShell.Main id="main">
        <Suspense fallback={null}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
