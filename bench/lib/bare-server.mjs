// The yardstick: a bare node:http server answering the same 302 and GIF as Lookback's tracking paths, with no
// storage at all. Run as its own process (node bench/lib/bare-server.mjs PORT) so it gets a core like ingestion.
import { createServer } from 'node:http';

const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const LOCATION =
  'https://play.google.com/store/apps/details?id=com.bench&referrer=lookback_click_id%3D0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const port = Number(process.argv[2] ?? 3190);
createServer((req, res) => {
  if (req.url.startsWith('/c/')) {
    res.writeHead(302, { location: LOCATION, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  } else {
    res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store', 'content-length': GIF.length });
    res.end(GIF);
  }
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
