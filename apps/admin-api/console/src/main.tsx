// The growth teams' console: sign-in with an API key, an app picker, and one page per question a team asks.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { ApiError, all, api, storeKey, storedKey, whenUnauthorized, type App, type Campaign, type Named } from './api';
import type { Ctx } from './context';
import { ErrorBox, Section, useLoad } from './ui';
import { AudiencesPage } from './pages/audiences';
import { CampaignsPage } from './pages/campaigns';
import { CohortsPage } from './pages/cohorts';
import { DeliveriesPage } from './pages/deliveries';
import { InstallsPage } from './pages/installs';
import { PixelPage } from './pages/pixel';

interface PageDef {
  path: string;
  title: string;
  view: (p: { ctx: Ctx }) => preact.JSX.Element;
}

export const PAGES: PageDef[] = [
  { path: 'campaigns', title: 'Campaigns', view: CampaignsPage },
  { path: 'cohorts', title: 'Cohorts', view: CohortsPage },
  { path: 'installs', title: 'Installs', view: InstallsPage },
  { path: 'pixel', title: 'Pixel', view: PixelPage },
  { path: 'audiences', title: 'Audiences', view: AudiencesPage },
  { path: 'deliveries', title: 'Deliveries', view: DeliveriesPage },
];

function useRoute(): string {
  const read = () => location.hash.replace(/^#\/?/, '').split('?')[0] || PAGES[0].path;
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onIn, reason }: { onIn: (key: string, apps: App[]) => void; reason?: string }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const page = await api<{ items: App[] }>('GET', '/v1/apps?limit=500', undefined, key.trim());
      onIn(key.trim(), page.items);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Lookback console</h1>
        <p>Sign in with an admin API key. It stays in this tab only (session storage) and every figure comes from the admin API with it.</p>
        {reason && <p class="notice">{reason}</p>}
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <div class="signin-error">{error && <ErrorBox error={error} />}</div>
      </form>
    </main>
  );
}

const APP_KEY = 'lookback.appId';

function Shell({ apps, onOut }: { apps: App[]; onOut: () => void }) {
  const route = useRoute();
  const [appId, setAppId] = useState(() => {
    const kept = sessionStorage.getItem(APP_KEY);
    return apps.find((a) => a.id === kept)?.id ?? apps[0]?.id ?? '';
  });
  const [menu, setMenu] = useState(false);
  const app = apps.find((a) => a.id === appId);
  const names = useLoad(async () => {
    if (!app) return undefined;
    const [campaigns, networks] = await Promise.all([all<Campaign>(`/v1/campaigns?appId=${app.id}`), all<Named>('/v1/networks')]);
    const ctx: Ctx = { app, campaigns: new Map(campaigns.map((c) => [c.id, c])), networks: new Map(networks.map((n) => [n.id, n])) };
    return ctx;
  }, [appId]);
  const page = PAGES.find((p) => p.path === route) ?? PAGES[0];
  useEffect(() => {
    document.title = `${page.title} · Lookback console`;
  }, [page]);
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Lookback</span>
        <button type="button" class="menu" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <nav id="nav" class={menu ? 'open' : undefined} aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined} onClick={() => setMenu(false)}>
              {p.title}
            </a>
          ))}
        </nav>
        <label class="app-pick">
          <span>App</span>
          <select
            value={appId}
            onChange={(e) => {
              setAppId(e.currentTarget.value);
              sessionStorage.setItem(APP_KEY, e.currentTarget.value);
            }}
          >
            {apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.platform})
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="signout" onClick={onOut}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        <h1>{page.title}</h1>
        {!app ? (
          <div class="notice empty">
            This key sees no apps yet. Create one with <code>POST /v1/apps</code> (see docs/api.md), or sign in with a key that is not limited to other apps.
          </div>
        ) : (
          <Section load={names} minHeight={400}>
            {(ctx) => (ctx ? <page.view key={`${page.path}-${ctx.app.id}`} ctx={ctx} /> : null)}
          </Section>
        )}
      </main>
    </>
  );
}

function Root() {
  const [session, setSession] = useState<{ apps: App[] } | null>(null);
  const [reason, setReason] = useState<string | undefined>();
  const [booting, setBooting] = useState(storedKey() !== null);
  useEffect(() => {
    whenUnauthorized(() => {
      storeKey(null);
      setSession(null);
      setReason('The API key was refused (revoked or mistyped): sign in again.');
    });
    const key = storedKey();
    if (!key) return;
    api<{ items: App[] }>('GET', '/v1/apps?limit=500')
      .then((p) => setSession({ apps: p.items }))
      .catch(() => undefined)
      .finally(() => setBooting(false));
  }, []);
  if (booting) return <div class="boot" aria-busy="true" />;
  if (!session)
    return (
      <SignIn
        reason={reason}
        onIn={(key, apps) => {
          storeKey(key);
          setReason(undefined);
          setSession({ apps });
        }}
      />
    );
  return (
    <Shell
      apps={session.apps}
      onOut={() => {
        storeKey(null);
        setSession(null);
      }}
    />
  );
}

render(<Root />, document.getElementById('app')!);
