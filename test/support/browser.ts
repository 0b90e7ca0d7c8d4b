import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Debian's Chromium, never a downloaded browser (HELPERS.md). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A stand-in advertiser's site: serves whatever HTML a test put at a path (query strings ignored). */
export class Site {
  readonly pages = new Map<string, string>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const html = this.pages.get(path);
      if (html === undefined) {
        res.writeHead(path === '/favicon.ico' ? 204 : 404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/**
 * Everything a host page could see go wrong: uncaught errors and rejections, and errors thrown into its own
 * handlers (recorded by the page itself in `window.__errors`).
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

export const RECORD_ERRORS = `<script>window.__errors=[];
  addEventListener('error',function(e){__errors.push(String(e.message))});
  addEventListener('unhandledrejection',function(e){__errors.push('rejection: '+String(e.reason))});</script>`;
