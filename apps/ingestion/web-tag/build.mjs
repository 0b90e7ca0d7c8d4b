// Builds the web tag: apps/ingestion/web-tag/t.ts → dist/web-tag/t.js, minified, no runtime dependencies.
// Run by `npm run build` and by the e2e global setup, so tests always serve the tag built from this source.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const outfile = join(root, 'dist/web-tag/t.js');
mkdirSync(dirname(outfile), { recursive: true });
const result = await build({
  entryPoints: [join(root, 'apps/ingestion/web-tag/t.ts')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  // Pages of every age load the tag: ES2017 runs in every browser that has fetch keepalive or can fall back to an image.
  target: ['es2017'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`web tag: dist/web-tag/t.js ${bytes} bytes`);
