import '@mantine/core/styles.css';
import { createTheme, MantineProvider, NavLink, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import './i18n';
import { canOversee, SessionProvider } from './session/session';
import { canReadOperations } from './session/operations';

// Route-level code splitting: each screen is its own chunk, loaded on first visit.
const SignInPage = lazy(() => import('./features/sign-in/SignInPage'));
const Shell = lazy(() => import('./components/shell/Shell'));
const RegisterPage = lazy(() => import('./features/register/RegisterPage'));
const PrincipalsPage = lazy(() => import('./features/principals/PrincipalsPage'));
const OrganisationPage = lazy(() => import('./features/organisation/OrganisationPage'));
const PurposeHistoryPage = lazy(() => import('./features/purpose-history/PurposeHistoryPage'));
const RegisterIoPage = lazy(() => import('./features/register-io/RegisterIoPage'));
const DashboardPage = lazy(() => import('./features/dashboard/DashboardPage'));
const AuditPage = lazy(() => import('./features/audit/AuditPage'));
const ReportsPage = lazy(() => import('./features/reports/ReportsPage'));
const SubjectPage = lazy(() => import('./features/subject/SubjectPage'));
const DecisionsPage = lazy(() => import('./features/decisions/DecisionsPage'));
const RetentionPage = lazy(() => import('./features/retention/RetentionPage'));
const InventoryPage = lazy(() => import('./features/inventory/InventoryPage'));
const MatrixPage = lazy(() => import('./features/inventory/MatrixPage'));
const DataMapPage = lazy(() => import('./features/data-map/DataMapPage'));

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
});

// WCAG AA contrast (axe, ADR 0043): Mantine's default blue.6 buttons and gray.6 dimmed text fall
// short of 4.5:1 on white, and so does red.6 for field errors; shade 8, gray.7 and red.9 pass.
// The active navigation link, hovered (just clicked), is blue.8 on blue.2 with the light variant:
// 4.0:1; filled (white on blue.8) passes.
const theme = createTheme({
  primaryShade: { light: 8, dark: 8 },
  components: { NavLink: NavLink.extend({ defaultProps: { variant: 'filled' } }) },
});
const contrastResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray[7], '--mantine-color-error': t.colors.red[9] },
  dark: {},
});

function Console() {
  return (
    <SessionProvider>
      {(state) =>
        state === 'loading' ? null : (
          <Suspense fallback={null}>
            {state.session ? (
              <Routes>
                <Route element={<Shell />}>
                  <Route path="/register" element={<RegisterPage />} />
                  <Route path="/organisation" element={<OrganisationPage />} />
                  <Route path="/register/history/:code" element={<PurposeHistoryPage />} />
                  <Route path="/register-as-code" element={<RegisterIoPage />} />
                  <Route path="/inventory" element={<InventoryPage />} />
                  <Route path="/matrix" element={<MatrixPage />} />
                  <Route path="/data-map" element={<DataMapPage />} />
                  {state.session.principal.roles.includes('admin') && (
                    <Route path="/principals" element={<PrincipalsPage />} />
                  )}
                  {canOversee(state.session.principal.roles) && (
                    <>
                      <Route path="/dashboard" element={<DashboardPage />} />
                      <Route path="/audit" element={<AuditPage />} />
                      <Route path="/reports" element={<ReportsPage />} />
                    </>
                  )}
                  {canReadOperations(state.session.principal.roles) && (
                    <>
                      <Route path="/subject" element={<SubjectPage />} />
                      <Route path="/decisions" element={<DecisionsPage />} />
                      <Route path="/retention" element={<RetentionPage />} />
                    </>
                  )}
                  <Route
                    path="*"
                    element={
                      <Navigate
                        to={state.session.principal.roles.includes('admin') ? '/principals' : '/register'}
                        replace
                      />
                    }
                  />
                  <Route path="/welcome" element={null} />
                </Route>
              </Routes>
            ) : (
              <SignInPage />
            )}
          </Suspense>
        )
      }
    </SessionProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrastResolver}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/console">
          <Console />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
