import '@mantine/core/styles.css';
import { createTheme, MantineProvider, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import './i18n';
import { SessionProvider } from './session/session';

// Route-level code splitting: each screen is its own chunk, loaded on first visit.
const SignInPage = lazy(() => import('./features/sign-in/SignInPage'));
const Shell = lazy(() => import('./components/shell/Shell'));
const RegisterPage = lazy(() => import('./features/register/RegisterPage'));
const PrincipalsPage = lazy(() => import('./features/principals/PrincipalsPage'));
const InventoryPage = lazy(() => import('./features/inventory/InventoryPage'));
const MatrixPage = lazy(() => import('./features/inventory/MatrixPage'));
const DataMapPage = lazy(() => import('./features/data-map/DataMapPage'));

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
});

// WCAG AA contrast (axe, ADR 0043): Mantine's default blue.6 buttons and gray.6 dimmed text fall
// short of 4.5:1 on white, and so does red.6 for field errors; shade 8, gray.7 and red.9 pass.
const theme = createTheme({ primaryShade: { light: 8, dark: 8 } });
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
                  <Route path="/inventory" element={<InventoryPage />} />
                  <Route path="/matrix" element={<MatrixPage />} />
                  <Route path="/data-map" element={<DataMapPage />} />
                  {state.session.principal.roles.includes('admin') && (
                    <Route path="/principals" element={<PrincipalsPage />} />
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
