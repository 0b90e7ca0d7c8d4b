// Lookback's web tag (`GET /t.js`): a page loads it once; it sends pixel hits to `/p/{appId}.gif` on the origin it
// was itself loaded from. It runs inside other people's pages, so every entry point swallows its own errors and
// it never depends on storage, cookies or any API a privacy setting can take away.

interface Consent {
  attribution?: boolean;
  retargeting?: boolean;
}

interface EventProps {
  revenue?: number | string;
  currency?: string;
  eventId?: string;
}

type Call = ArrayLike<unknown>;

interface LookbackFn {
  (...args: unknown[]): void;
  q?: Call[];
  loaded?: boolean;
  version?: string;
}

interface Hit {
  e: string;
  uid?: string;
  v?: string;
  cur?: string;
  eid?: string;
  lcid?: string;
  url?: string;
  ref?: string;
  ca?: string;
}

const VERSION = '1';
const LCID_KEY = 'lookback_click_id';
const LCID_DAYS = 7;
const MAX_URL = 1024;
/** Held events of a page that requires consent and has no answer yet; beyond this, the oldest are dropped. */
const MAX_HELD = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

((w: Window & { lookback?: LookbackFn }, d: Document) => {
  try {
    const existing = w.lookback;
    if (existing && existing.loaded) return; // the tag was included twice
    const script = findScript(d);
    if (!script) return;
    const src = new URL(script.src, d.baseURI);
    const base = src.href.replace(/\/t\.js(?:[?#].*)?$/, '');
    const appId = script.getAttribute('data-app') || src.searchParams.get('app') || '';
    if (!appId) return;
    const autoPageViews = script.getAttribute('data-page-views') !== 'false';
    const consentRequired = script.getAttribute('data-consent') === 'required';

    // undefined: the page never said (consent is not managed here), true/false: the page's answer.
    let attribution: boolean | undefined;
    // The page's own user id, for this page only: a page that knows its user says so on every page.
    let uid: string | undefined;
    let lcid = readClickId();
    let held: Hit[] = [];
    let lastUrl = '';
    let referrer = d.referrer;

    const withheld = () => attribution === false || (consentRequired && attribution !== true);

    function remember(key: string, value: string | undefined, days: number): void {
      // Nothing is written to the visitor's storage while attribution consent is withheld; the page still works.
      if (withheld() && value !== undefined) return;
      write(key, value, days);
    }

    function captureClickId(href: string): void {
      const found = param(href, LCID_KEY);
      if (found && UUID.test(found)) {
        lcid = found.toLowerCase();
        remember(LCID_KEY, lcid, LCID_DAYS);
      }
    }

    function send(hit: Hit): void {
      if (consentRequired && attribution !== true) {
        if (attribution === undefined) {
          held.push(hit);
          if (held.length > MAX_HELD) held.shift();
        }
        return; // refused where consent is required: dropped, as the page asked
      }
      if (uid) hit.uid = uid;
      if (lcid) hit.lcid = lcid;
      if (attribution === false) hit.ca = '0';
      else if (attribution === true) hit.ca = '1';
      deliver(`${base}/p/${encodeURIComponent(appId)}.gif?${query(hit)}`);
    }

    function pageView(): void {
      const href = w.location.href;
      if (href === lastUrl) return;
      const ref = lastUrl || referrer;
      lastUrl = href;
      captureClickId(href);
      if (autoPageViews) send({ e: 'page_view', url: clip(href), ref: ref ? clip(ref) : undefined });
    }

    function event(name: unknown, props: unknown): void {
      if (typeof name !== 'string' || name === '') return;
      const p = (props && typeof props === 'object' ? props : {}) as EventProps;
      const hit: Hit = { e: name, url: clip(w.location.href) };
      if (p.revenue !== undefined && p.revenue !== null && String(p.revenue) !== '') {
        hit.v = String(p.revenue);
        if (p.currency) hit.cur = String(p.currency).toUpperCase();
      }
      if (p.eventId !== undefined && p.eventId !== null && String(p.eventId) !== '') hit.eid = String(p.eventId);
      send(hit);
    }

    function identify(id: unknown): void {
      uid = id === null || id === undefined || id === '' ? undefined : String(id).slice(0, 256);
    }

    function consent(c: unknown): void {
      const a = c && typeof c === 'object' ? (c as Consent).attribution : undefined;
      if (typeof a !== 'boolean') return;
      attribution = a;
      if (a) {
        if (lcid) write(LCID_KEY, lcid, LCID_DAYS);
        const waiting = held;
        held = [];
        for (const h of waiting) send(h);
      } else {
        held = [];
        // Withdrawn consent also takes back what an earlier visit stored.
        write(LCID_KEY, undefined, 0);
      }
    }

    function call(args: Call): void {
      try {
        const [command, a, b] = Array.prototype.slice.call(args) as unknown[];
        if (command === 'event') event(a, b);
        else if (command === 'identify') identify(a);
        else if (command === 'consent') consent(a);
        else if (command === 'page_view') {
          lastUrl = '';
          pageView();
        }
      } catch {
        // a bad call from the page is ignored, never thrown back at it
      }
    }

    const api: LookbackFn = function (...args: unknown[]) {
      call(args);
    };
    api.loaded = true;
    api.version = VERSION;
    const queued = existing && Array.isArray(existing.q) ? existing.q : [];
    w.lookback = api;

    // Who the visitor is and what they agreed to come before the first page view, wherever the page put them.
    for (const args of queued) if (args[0] === 'consent' || args[0] === 'identify') call(args);
    pageView();
    for (const args of queued) if (args[0] !== 'consent' && args[0] !== 'identify') call(args);

    const routeChanged = () => {
      try {
        pageView();
      } catch {
        // never break the page's navigation
      }
    };
    const history = w.history;
    const push = history && history.pushState;
    if (typeof push === 'function') {
      history.pushState = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = push.apply(this, args);
        routeChanged();
        return result;
      };
    }
    w.addEventListener('popstate', routeChanged);
  } catch {
    // The tag failing must never be the page failing.
  }

  function findScript(doc: Document): HTMLScriptElement | null {
    const current = doc.currentScript as HTMLScriptElement | null;
    if (current && current.src) return current;
    const all = doc.getElementsByTagName('script');
    for (let i = all.length - 1; i >= 0; i--) {
      if (/\/t\.js(?:[?#]|$)/.test(all[i].src) && (all[i].getAttribute('data-app') || /[?&]app=/.test(all[i].src))) return all[i];
    }
    return null;
  }

  function readClickId(): string | undefined {
    const v = read(LCID_KEY);
    return v && UUID.test(v) ? v : undefined;
  }
})(window, document);

function param(href: string, name: string): string | undefined {
  try {
    return new URL(href).searchParams.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function clip(s: string): string {
  return s.length > MAX_URL ? s.slice(0, MAX_URL) : s;
}

function query(hit: Hit): string {
  const parts: string[] = [];
  for (const k of Object.keys(hit) as (keyof Hit)[]) {
    const v = hit[k];
    if (v !== undefined && v !== '') parts.push(`${k}=${encodeURIComponent(v)}`);
  }
  return parts.join('&');
}

/** `fetch` with `keepalive` outlives the page (a purchase fired as the visitor leaves); an image is the fallback. */
function deliver(url: string): void {
  const image = () => {
    try {
      new Image().src = url;
    } catch {
      // nothing left to try
    }
  };
  try {
    if (typeof fetch === 'function') {
      fetch(url, { method: 'GET', mode: 'no-cors', credentials: 'omit', keepalive: true, cache: 'no-store' }).catch(image);
      return;
    }
  } catch {
    // fall through to the image
  }
  image();
}

/** A value kept with its expiry in localStorage, else in a first-party cookie; either may be blocked. */
function read(key: string): string | undefined {
  try {
    const raw = window.localStorage.getItem(key);
    if (raw) {
      const cut = raw.lastIndexOf('|');
      if (Number(raw.slice(cut + 1)) > Date.now()) return raw.slice(0, cut);
    }
  } catch {
    // storage blocked
  }
  try {
    const m = new RegExp(`(?:^|; )${key}=([^;]*)`).exec(document.cookie);
    if (m) return decodeURIComponent(m[1]);
  } catch {
    // cookies blocked
  }
  return undefined;
}

/** `value` undefined removes the key everywhere. */
function write(key: string, value: string | undefined, days: number): void {
  let stored = false;
  try {
    if (value === undefined) window.localStorage.removeItem(key);
    else {
      window.localStorage.setItem(key, `${value}|${Date.now() + days * 86_400_000}`);
      stored = true;
    }
  } catch {
    // storage blocked: the cookie below, or memory only
  }
  if (stored) return;
  try {
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${key}=${value === undefined ? '' : encodeURIComponent(value)}; Max-Age=${value === undefined ? 0 : days * 86_400}; Path=/; SameSite=Lax${secure}`;
  } catch {
    // cookies blocked
  }
}
