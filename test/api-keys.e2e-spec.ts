// API keys: listing with lastUsedAt, revocation that holds at once in every admin process, keys limited to
// some apps (everything else is a 404), and retrying a failed delivery.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createAdminApp } from '../apps/admin-api/src/admin.app';
import { click, clickIdFrom, createFixture, type Fixture } from './support/fixtures';
import { postSigned, Sink, waitFor } from './support/http';
import { OWNER_KEY, startStack, type Stack } from './support/stack';

const err = (code: string) => ({ error: expect.objectContaining({ code, message: expect.any(String) }) });

describe('API keys and app scoping', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;
  let mine: Fixture;
  let theirs: Fixture;
  let scopedRead: string;
  let scopedWrite: string;
  let theirInstall: string;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    stack = await startStack();
    mine = await createFixture(stack, { app: { name: 'Mine', minCtitSeconds: 0 }, postbackUrl: `${sinkUrl}/pb?i={install_id}` });
    theirs = await createFixture(stack, { app: { name: 'Theirs', minCtitSeconds: 0 } });
    scopedRead = (await stack.admin('POST', '/v1/api-keys', { name: 'mine-read', scopes: ['read'], appIds: [mine.appId] })).body.key;
    scopedWrite = (await stack.admin('POST', '/v1/api-keys', { name: 'mine-write', scopes: ['write'], appIds: [mine.appId] })).body.key;
    const inst = await postSigned(`${stack.ingestionUrl}/v1/installs`, theirs.sdkSecret, {
      appId: theirs.appId,
      installId: 'their-1',
      installedAt: new Date().toISOString(),
      device: { gaid: '38400000-8cf0-11bd-b23e-10b96e400001' },
    });
    theirInstall = inst.body.id;
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  describe('GET /v1/api-keys', () => {
    it('lists keys with lastUsedAt, never the key or its hash', async () => {
      const created = await stack.admin('POST', '/v1/api-keys', { name: 'listed', scopes: ['read'] });
      expect(created.status).toBe(201);
      let list = await stack.admin('GET', '/v1/api-keys?limit=500');
      expect(list.status).toBe(200);
      const before = list.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(before).toEqual({
        id: created.body.id,
        name: 'listed',
        scopes: ['read'],
        appIds: null,
        keyPrefix: created.body.key.slice(0, 8),
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      });
      expect((await stack.admin('GET', '/v1/apps', undefined, created.body.key)).status).toBe(200);
      list = await stack.admin('GET', '/v1/api-keys?limit=500');
      const after = list.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
      const hashes = (await stack.db.query('SELECT key_hash FROM api_keys')).rows.map((r) => r.key_hash as string);
      const text = JSON.stringify(list.body);
      expect(text).not.toContain(created.body.key);
      for (const h of hashes) expect(text).not.toContain(h);
      expect(list.body.nextCursor).toBeNull();
    });

    it('pages with limit and cursor', async () => {
      const first = await stack.admin('GET', '/v1/api-keys?limit=1');
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toBe(first.body.items[0].id);
      const second = await stack.admin('GET', `/v1/api-keys?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body.items[0].id > first.body.items[0].id).toBe(true);
      expect((await stack.admin('GET', '/v1/api-keys?limit=501')).status).toBe(400);
      expect((await stack.admin('GET', '/v1/api-keys?cursor=nope')).status).toBe(400);
    });

    it('is for owner keys only', async () => {
      const write = (await stack.admin('POST', '/v1/api-keys', { name: 'w', scopes: ['read', 'write'] })).body.key;
      expect(await stack.admin('GET', '/v1/api-keys', undefined, write)).toEqual({ status: 403, body: err('insufficient_scope') });
      expect((await stack.admin('GET', '/v1/api-keys', undefined, 'lbk_bogus')).status).toBe(401);
      expect((await fetch(`${stack.adminUrl}/v1/api-keys`)).status).toBe(401);
    });
  });

  describe('POST /v1/api-keys with appIds', () => {
    it.each([
      [{ name: 'x', scopes: ['read'], appIds: ['not-a-uuid'] }, 'appIds'],
      [{ name: 'x', scopes: ['read'], appIds: [] }, 'appIds'],
      [{ name: 'x', scopes: ['read'], appIds: 'x' }, 'appIds'],
    ])('refuses %j', async (body, field) => {
      const res = await stack.admin('POST', '/v1/api-keys', body);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    });

    it('answers 404 for an app that does not exist', async () => {
      const res = await stack.admin('POST', '/v1/api-keys', { name: 'x', scopes: ['read'], appIds: ['0190f5c4-0000-7000-8000-000000000000'] });
      expect(res).toEqual({ status: 404, body: err('app_not_found') });
    });
  });

  describe('a key limited to one app', () => {
    it('sees its own app and nothing else', async () => {
      const list = await stack.admin('GET', '/v1/apps', undefined, scopedRead);
      expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([mine.appId]);
      expect((await stack.admin('GET', `/v1/apps/${mine.appId}`, undefined, scopedRead)).status).toBe(200);
      const campaigns = await stack.admin('GET', '/v1/campaigns', undefined, scopedRead);
      expect(campaigns.body.items.map((c: { id: string }) => c.id)).toEqual([mine.campaignId]);
    });

    it.each([
      ['GET', () => `/v1/apps/${theirs.appId}`, undefined, 'app_not_found'],
      ['GET', () => `/v1/apps/${theirs.appId}/pixel`, undefined, 'app_not_found'],
      ['GET', () => `/v1/apps/${theirs.appId}/pixel/health`, undefined, 'app_not_found'],
      ['GET', () => `/v1/campaigns/${theirs.campaignId}`, undefined, 'campaign_not_found'],
      ['GET', () => `/v1/campaigns?appId=${theirs.appId}`, undefined, 'app_not_found'],
      ['GET', () => `/v1/installs/${theirInstall}`, undefined, 'install_not_found'],
      ['GET', () => `/v1/deliveries?appId=${theirs.appId}`, undefined, 'app_not_found'],
      [
        'GET',
        () => `/v1/reports/campaigns?appId=${theirs.appId}&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`,
        undefined,
        'app_not_found',
      ],
    ])('answers 404 for another app: %s %s', async (method, path, body, code) => {
      const res = await stack.admin(method, path(), body, scopedRead);
      expect(res).toEqual({ status: 404, body: err(code) });
      // The owner sees it, so the 404 is the scope's doing.
      expect((await stack.admin(method, path(), body)).status).toBe(200);
    });

    it('cannot change another app or its campaigns', async () => {
      const writes: [string, string, unknown, string][] = [
        ['PATCH', `/v1/apps/${theirs.appId}`, { name: 'hijacked' }, 'app_not_found'],
        ['PATCH', `/v1/campaigns/${theirs.campaignId}`, { name: 'hijacked' }, 'campaign_not_found'],
        ['DELETE', `/v1/campaigns/${theirs.campaignId}`, undefined, 'campaign_not_found'],
        [
          'POST',
          '/v1/campaigns',
          { appId: theirs.appId, networkId: theirs.networkId, name: 'x', destinationUrl: 'https://example.com/' },
          'app_not_found',
        ],
        [
          'POST',
          '/v1/attribution/replay',
          { appId: theirs.appId, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
          'app_not_found',
        ],
      ];
      for (const [method, path, body, code] of writes) {
        expect({ method, path, ...(await stack.admin(method, path, body, scopedWrite)) }).toEqual({ method, path, status: 404, body: err(code) });
      }
      expect((await stack.admin('GET', `/v1/apps/${theirs.appId}`)).body.name).toBe('Theirs');
      expect((await stack.admin('GET', `/v1/campaigns/${theirs.campaignId}`)).body.status).toBe('active');
    });

    it('changes its own app', async () => {
      const res = await stack.admin('PATCH', `/v1/campaigns/${mine.campaignId}`, { name: 'Spring' }, scopedWrite);
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Spring');
    });

    it('cannot change what every app shares', async () => {
      const shared: [string, string, unknown][] = [
        ['POST', '/v1/apps', { name: 'New', platform: 'ios', bundleId: 'com.new' }],
        ['POST', '/v1/networks', { name: 'N' }],
        ['PATCH', `/v1/networks/${mine.networkId}`, { name: 'N2' }],
        ['PUT', '/v1/fx-rates', { rates: { EUR: 2 } }],
      ];
      for (const [method, path, body] of shared) {
        expect({ path, ...(await stack.admin(method, path, body, scopedWrite)) }).toEqual({ path, status: 403, body: err('key_limited_to_apps') });
      }
      expect((await stack.admin('GET', `/v1/networks/${mine.networkId}`, undefined, scopedRead)).status).toBe(200);
    });
  });

  describe('DELETE /v1/api-keys/{id}', () => {
    it('revokes at once, in every admin process', async () => {
      const other: NestFastifyApplication = await createAdminApp(stack.config);
      await other.listen({ port: 0, host: '127.0.0.1' });
      const otherUrl = `http://127.0.0.1:${(other.getHttpServer().address() as AddressInfo).port}`;
      try {
        const created = await stack.admin('POST', '/v1/api-keys', { name: 'leaked', scopes: ['read'] });
        const asLeaked = (url: string) => fetch(`${url}/v1/apps`, { headers: { authorization: `Bearer ${created.body.key}` } });
        expect((await asLeaked(otherUrl)).status).toBe(200);
        const revoked = await stack.admin('DELETE', `/v1/api-keys/${created.body.id}`);
        expect(revoked.status).toBe(200);
        expect(revoked.body).toMatchObject({ id: created.body.id, revokedAt: expect.any(String) });
        const other401 = await asLeaked(otherUrl);
        expect(other401.status).toBe(401);
        expect(await other401.json()).toEqual(err('invalid_api_key'));
        expect((await asLeaked(stack.adminUrl)).status).toBe(401);
        // Revoking again answers the same revoked key.
        const again = await stack.admin('DELETE', `/v1/api-keys/${created.body.id}`);
        expect(again.status).toBe(200);
        expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
      } finally {
        await other.close();
      }
    });

    it('answers 404, 400, 403 and 409 where it should', async () => {
      expect(await stack.admin('DELETE', '/v1/api-keys/0190f5c4-0000-7000-8000-000000000000')).toEqual({ status: 404, body: err('api_key_not_found') });
      expect((await stack.admin('DELETE', '/v1/api-keys/not-an-id')).status).toBe(400);
      const victim = await stack.admin('POST', '/v1/api-keys', { name: 'victim', scopes: ['read'] });
      expect(await stack.admin('DELETE', `/v1/api-keys/${victim.body.id}`, undefined, scopedWrite)).toEqual({ status: 403, body: err('insufficient_scope') });
      const owner = (await stack.admin('GET', '/v1/api-keys?limit=500')).body.items.find((k: { scopes: string[] }) => k.scopes.includes('owner'));
      expect(await stack.admin('DELETE', `/v1/api-keys/${owner.id}`)).toEqual({ status: 409, body: err('cannot_revoke_own_key') });
      expect((await stack.admin('GET', '/v1/apps', undefined, OWNER_KEY)).status).toBe(200);
      expect((await stack.admin('GET', '/v1/apps', undefined, victim.body.key)).status).toBe(200);
    });

    it('stores keys so that only their hash is compared', async () => {
      const created = await stack.admin('POST', '/v1/api-keys', { name: 'near', scopes: ['read'] });
      // Same lookup prefix of the hash is impossible to forge here; a key one character off must fail.
      const near = created.body.key.slice(0, -1) + (created.body.key.endsWith('A') ? 'B' : 'A');
      expect((await stack.admin('GET', '/v1/apps', undefined, near)).status).toBe(401);
    });
  });

  describe('POST /v1/deliveries/{id}/retry', () => {
    async function failedDelivery(installId: string): Promise<string> {
      const gaid = `38400000-8cf0-11bd-b23e-${Date.now().toString(16).padStart(12, '0').slice(-12)}`;
      const c = await click(stack, mine.campaignId, `gaid=${gaid}`);
      expect(c.status).toBe(302);
      clickIdFrom(c.location!);
      sink.statuses.push(500, 500, 500, 500);
      const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, mine.sdkSecret, {
        appId: mine.appId,
        installId,
        installedAt: new Date(Date.now() + 1000).toISOString(),
        device: { gaid },
      });
      expect(res.status).toBe(202);
      const d = await waitFor(async () => {
        const r = await stack.admin('GET', `/v1/deliveries?subjectId=${res.body.id}`);
        return r.body.items[0]?.status === 'failed' ? r.body.items[0] : undefined;
      }, 'a failed delivery', 20_000);
      return d.id as string;
    }

    it('sends a failed delivery again; a pending or delivered one is a 409', async () => {
      const id = await failedDelivery('retry-1');
      expect((await stack.admin('POST', `/v1/deliveries/${id}/retry`, undefined, scopedRead)).status).toBe(403);
      const res = await stack.admin('POST', `/v1/deliveries/${id}/retry`, undefined, scopedWrite);
      expect(res).toEqual({ status: 200, body: { id, status: 'pending', enqueued: true } });
      const delivered = await waitFor(async () => {
        const r = await stack.admin('GET', `/v1/deliveries?appId=${mine.appId}&status=delivered`);
        return r.body.items.find((d: { id: string }) => d.id === id);
      }, 'delivered after retry');
      expect(delivered.attempts).toBe(5);
      expect(delivered.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500, 500, 200]);
      expect(await stack.admin('POST', `/v1/deliveries/${id}/retry`)).toEqual({ status: 409, body: err('delivery_not_failed') });
      expect(sink.received.filter((r) => r.url.includes('/pb?')).length).toBeGreaterThanOrEqual(5);
    });

    it('refuses a delivery still pending', async () => {
      const [{ id }] = (
        await stack.db.query(
          `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, method, url, status)
           VALUES ('0190f5c4-0000-7000-8000-0000000000d1', $1, 'postback', 'install', '0190f5c4-0000-7000-8000-0000000000e1',
                   'GET', 'http://127.0.0.1:9/x', 'pending') RETURNING id`,
          [mine.appId],
        )
      ).rows;
      expect(await stack.admin('POST', `/v1/deliveries/${id}/retry`)).toEqual({ status: 409, body: err('delivery_not_failed') });
    });

    it('answers 404 for an unknown one or one of another app, 400 for a bad id, 401 without a key', async () => {
      const [{ id }] = (
        await stack.db.query(
          `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, method, url, status)
           VALUES ('0190f5c4-0000-7000-8000-0000000000d2', $1, 'postback', 'install', '0190f5c4-0000-7000-8000-0000000000e2',
                   'GET', 'http://127.0.0.1:9/x', 'failed') RETURNING id`,
          [theirs.appId],
        )
      ).rows;
      expect(await stack.admin('POST', `/v1/deliveries/${id}/retry`, undefined, scopedWrite)).toEqual({ status: 404, body: err('delivery_not_found') });
      expect((await stack.db.query('SELECT status FROM deliveries WHERE id = $1', [id])).rows[0].status).toBe('failed');
      expect(await stack.admin('POST', '/v1/deliveries/0190f5c4-0000-7000-8000-00000000ffff/retry')).toEqual({ status: 404, body: err('delivery_not_found') });
      expect((await stack.admin('POST', '/v1/deliveries/nope/retry')).status).toBe(400);
      expect((await fetch(`${stack.adminUrl}/v1/deliveries/${id}/retry`, { method: 'POST' })).status).toBe(401);
      expect((await stack.admin('POST', `/v1/deliveries/${id}/retry`, undefined, 'lbk_bogus')).status).toBe(401);
    });
  });
});
