// Builds the growth teams' console: apps/admin-api/console/src → dist/console (index.html + hashed assets/).
// Run by `npm run build` and by the e2e global setup, so tests always serve the console built from this source.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const outdir = join(root, 'dist/console');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: join(outdir, 'assets'),
  // Hashed names: the admin serves assets/ as immutable, so a new build must be a new URL.
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  // Evergreen browsers of the last few years, desktop and phone.
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => join(root, p));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
const template = readFileSync(join(here, 'index.html'), 'utf8');
const html = template
  .replace('%CSS%', css ? `<link rel="stylesheet" href="/console/assets/${basename(css)}">` : '')
  .replace('%JS%', `<script type="module" src="/console/assets/${basename(js)}"></script>`);
writeFileSync(join(outdir, 'index.html'), html);

// The size a visitor downloads: raw and gzipped, per file and in all (docs/console.md quotes these).
const files = [join(outdir, 'index.html'), js, css].filter(Boolean);
let raw = 0;
let gz = 0;
const sizes = {};
for (const f of files) {
  const body = readFileSync(f);
  const g = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gz += g;
  sizes[basename(f)] = { raw: body.length, gzip: g };
  // Served pre-compressed by the admin (@fastify/static preCompressed); index.html is tiny and revalidated anyway.
  if (f !== join(outdir, 'index.html')) {
    writeFileSync(`${f}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${f}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}
writeFileSync(join(outdir, 'sizes.json'), JSON.stringify({ raw, gzip: gz, files: sizes }, null, 2));
console.log(`console: dist/console ${raw} bytes, ${gz} gzipped (${createHash('sha256').update(html).digest('hex').slice(0, 8)})`);
