// OUTBOUND_TIMEOUT_MS is a total deadline for a postback, through the real worker: a partner that drips its
// answer a byte a second neither "succeeds" after 20 s nor holds the worker's shutdown.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSigned, waitFor } from './support/http';
import { click, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'; // 62 bytes: a minute at 1 byte/s

describe('outbound deadline with a partner sending 1 byte a second (OUTBOUND_TIMEOUT_MS=2000)', () => {
  let stack: Stack;
  let slow: Server;
  let slowUrl: string;
  let requests = 0;

  beforeAll(async () => {
    slow = createServer();
    // Raw socket: the answer's status line itself is dripped, as a tarpit would.
    slow.on('connection', (socket) => {
      socket.once('data', () => {
        requests++;
        let i = 0;
        const t = setInterval(() => (i >= ANSWER.length || socket.destroyed ? clearInterval(t) : socket.write(ANSWER[i++])), 1000);
        socket.on('close', () => clearInterval(t));
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    stack = await startStack({ OUTBOUND_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await stack?.close();
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  });

  async function owePostback(installId: string, gaid: string): Promise<string> {
    const f = await createFixture(stack, { postbackUrl: `${slowUrl}/pb?i={install_id}` });
    expect((await click(stack, f.campaignId, `click_id=s1&gaid=${gaid}`)).status).toBe(302);
    await new Promise((r) => setTimeout(r, 20));
    const install = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    expect(install.status).toBe(202);
    return install.body.id;
  }

  it('the call ends at the deadline as uncertain (not a success), recorded with its duration', async () => {
    const id = await owePostback('slow-1', '44444444-aaaa-bbbb-cccc-000000000001');
    const started = Date.now();
    await waitFor(async () => {
      const r = await stack.db.query('SELECT status FROM deliveries WHERE subject_id = $1', [id]);
      return r.rows[0]?.status === 'sending';
    }, 'the postback in flight');
    const d = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/deliveries?subjectId=${id}`);
      return r.body.items[0]?.status === 'unknown' ? r.body.items[0] : undefined;
    }, 'the attempt to end', 10_000);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(d.attemptLog).toEqual([expect.objectContaining({ outcome: 'uncertain', error: 'timed out after 2000 ms' })]);
    expect(d.attemptLog[0].durationMs).toBeGreaterThanOrEqual(1900);
    expect(d.attemptLog[0].durationMs).toBeLessThan(3000);
    expect(requests).toBeGreaterThanOrEqual(1);
  });

  it('stopping the worker during such a call takes no longer than the deadline', async () => {
    const id = await owePostback('slow-2', '44444444-aaaa-bbbb-cccc-000000000002');
    await waitFor(async () => {
      const r = await stack.db.query('SELECT status FROM deliveries WHERE subject_id = $1', [id]);
      return r.rows[0]?.status === 'sending';
    }, 'the postback in flight');
    const started = Date.now();
    await stack.stopWorker();
    // The call began before the stop, so what is left of its 2 s deadline, plus recording its answer.
    expect(Date.now() - started).toBeLessThan(2800);
    const r = await stack.db.query('SELECT status FROM deliveries WHERE subject_id = $1', [id]);
    expect(r.rows[0].status).toBe('unknown');
    await stack.startWorker();
  });
});
