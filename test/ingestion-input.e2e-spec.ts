import { signBody } from '../libs/domain/src';
import { DEEP, postSigned, withDeep } from './support/http';
import { click, createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Bad input gets a clear 4xx with the contract's error body; the process stays up and stores nothing. */
describe('ingestion refuses bad input', () => {
  let stack: Stack;
  let f: Fixture;
  let installs: string;
  const good = () => ({ appId: f.appId, installId: `i-${Math.random()}`, installedAt: new Date().toISOString() });

  beforeAll(async () => {
    stack = await startStack({ BODY_LIMIT_BYTES: '4096' }, { worker: false });
    f = await createFixture(stack);
    installs = `${stack.ingestionUrl}/v1/installs`;
  });
  afterAll(() => stack?.close());

  async function raw(body: string, headers: Record<string, string>) {
    const res = await fetch(installs, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  }

  const errorBody = (code: string, field?: string) => ({
    error: { code, message: expect.any(String), ...(field ? { field } : {}) },
  });

  it('401 for a missing, malformed or wrong signature', async () => {
    const body = JSON.stringify(good());
    for (const signature of [undefined, 'sha256=zz', 'md5=abc', signBody('other-secret', body)]) {
      const res = await raw(body, { 'content-type': 'application/json', ...(signature ? { 'x-lookback-signature': signature } : {}) });
      expect(res).toEqual({ status: 401, body: errorBody('invalid_signature') });
    }
  });

  it('401 when the signature covers a different body than the one sent', async () => {
    const signed = JSON.stringify(good());
    const sent = signed.replace('"installId":"i-', '"installId":"x-');
    const res = await raw(sent, { 'content-type': 'application/json', 'x-lookback-signature': signBody(f.sdkSecret, signed) });
    expect(res.status).toBe(401);
  });

  it('400 for malformed JSON, an empty body, or a JSON value that is not an object', async () => {
    for (const body of ['{"appId": ', '[1,2]', '"text"']) {
      const res = await raw(body, { 'content-type': 'application/json', 'x-lookback-signature': signBody(f.sdkSecret, body) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/^invalid_/);
    }
  });

  it('415 for a body that is not JSON', async () => {
    const res = await raw('appId=1', { 'content-type': 'text/plain' });
    expect(res).toEqual({ status: 415, body: errorBody('unsupported_media_type') });
  });

  it('413 for a body over the limit', async () => {
    const body = JSON.stringify({ ...good(), userAgent: 'x'.repeat(5000) });
    const res = await raw(body, { 'content-type': 'application/json', 'x-lookback-signature': signBody(f.sdkSecret, body) });
    expect(res).toEqual({ status: 413, body: errorBody('body_too_large') });
  });

  it('401 for an app that does not exist, exactly as for a wrong signature (no probing); 400 for an appId that is not a UUID', async () => {
    const unknown = await postSigned(installs, f.sdkSecret, { ...good(), appId: '01939a6e-0000-7000-8000-000000000000' });
    expect(unknown).toEqual({ status: 401, body: errorBody('invalid_signature') });
    const malformed = await postSigned(installs, f.sdkSecret, { ...good(), appId: 'abc' });
    expect(malformed).toEqual({ status: 400, body: errorBody('invalid_field', 'appId') });
  });

  it.each([
    ['installId', { installId: 42 }],
    ['installId', { installId: '' }],
    ['installedAt', { installedAt: 'yesterday' }],
    ['installedAt', { installedAt: 1732960800 }],
    ['installedAt', { installedAt: new Date(Date.now() + 86_400_000).toISOString() }],
    ['device.gaid', { device: { gaid: 7 } }],
    ['device', { device: 'abc' }],
    ['ip', { ip: '999.1.1.1' }],
    ['ip', { ip: 'fe80::1%eth0' }],
    ['installId', { installId: '\udbff' }],
    ['device', { device: DEEP }],
    ['referrer', { referrer: 'x\udc00' }],
    ['consent.attribution', { consent: { attribution: 'yes' } }],
    ['referrer', { referrer: 'r'.repeat(3000) }],
    ['unexpected', { unexpected: true }],
  ])('400 naming %s for a wrong value', async (field, patch) => {
    const res = await postSigned(installs, f.sdkSecret, withDeep({ ...good(), ...patch }, 300));
    expect(res.status).toBe(400);
    expect((res.body as { error: unknown }).error).toEqual({ code: expect.any(String), message: expect.any(String), field });
  });

  it('401 for an unsigned body, whatever it holds: {} , a bad appId, an unknown app', async () => {
    for (const body of [{}, { appId: 'abc' }, { ...good(), appId: '01939a6e-0000-7000-8000-000000000000' }, good()]) {
      const text = JSON.stringify(body);
      expect(await raw(text, { 'content-type': 'application/json' })).toEqual({ status: 401, body: errorBody('invalid_signature') });
      expect(await raw(text, { 'content-type': 'application/json', 'x-lookback-signature': 'sha256=nope' })).toEqual({
        status: 401,
        body: errorBody('invalid_signature'),
      });
    }
  });

  it('400 for a NUL character anywhere (PostgreSQL cannot store it)', async () => {
    const res = await postSigned(installs, f.sdkSecret, { ...good(), installId: 'a\u0000b' });
    expect(res).toEqual({ status: 400, body: { error: { code: expect.any(String), message: expect.any(String) } } });
  });

  it('stored none of the refused installs and is still healthy', async () => {
    const rows = await stack.db.query('SELECT count(*)::int AS n FROM installs');
    expect(rows.rows[0].n).toBe(0);
    const health = await fetch(`${stack.ingestionUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', db: 'up', redis: 'up', countryDb: { name: 'dbip-country', version: expect.any(String), builtAt: expect.any(String) } });
  });

  it('tracking link: 404 for unknown or malformed campaign ids, and no click stored', async () => {
    for (const id of ['01939a6e-0000-7000-8000-000000000000', 'not-a-uuid', "1'%20OR%201=1"]) {
      const res = await click(stack, id, 'gaid=x');
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toEqual(errorBody('campaign_not_found', 'campaignId'));
    }
    const rows = await stack.db.query('SELECT count(*)::int AS n FROM clicks');
    expect(rows.rows[0].n).toBe(0);
  });

  it('tracking link: query parameters never change the redirect target, odd values are clipped, not refused', async () => {
    const res = await click(
      stack,
      f.campaignId,
      `click_id=${'z'.repeat(2000)}&destinationUrl=https://evil.example&url=https://evil.example&gaid=a&gaid=b&sub1=%00`,
    );
    expect(res.status).toBe(302);
    expect(new URL(res.location!).host).toBe('play.google.com');
    const rows = await stack.db.query('SELECT length(network_click_id) AS len, gaid FROM clicks');
    expect(rows.rows).toEqual([{ len: 512, gaid: 'a' }]);
  });

  it('tracking link: a paused campaign redirects but records nothing', async () => {
    const paused = await createFixture(stack, { campaign: { status: 'paused' } });
    const res = await click(stack, paused.campaignId, 'gaid=abc');
    expect(res.status).toBe(302);
    const rows = await stack.db.query('SELECT count(*)::int AS n FROM clicks WHERE campaign_id = $1', [paused.campaignId]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('unknown routes answer 404 with the error body', async () => {
    const res = await fetch(`${stack.ingestionUrl}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(errorBody('not_found'));
  });

  it('a URL the router cannot read or Node cannot take answers with the error body, on both servers', async () => {
    for (const base of [stack.ingestionUrl, stack.adminUrl]) {
      const badEscape = await fetch(`${base}/c/%C0%80`);
      expect({ status: badEscape.status, body: await badEscape.json() }).toEqual({ status: 400, body: errorBody('invalid_url') });
      const longSegment = await fetch(`${base}/${base === stack.adminUrl ? 'v1/apps' : 'c'}/${'a'.repeat(501)}`);
      expect({ status: longSegment.status, body: await longSegment.json() }).toEqual({ status: 414, body: errorBody('uri_too_long') });
      const longUrl = await fetch(`${base}/c/x?${'q'.repeat(20_000)}`);
      expect({ status: longUrl.status, body: await longUrl.json() }).toEqual({ status: 431, body: errorBody('headers_too_large') });
    }
  });

  it('prototype keys are refused with a 400 naming them, never silently dropped', async () => {
    for (const key of ['constructor', 'prototype']) {
      const body = `{"appId":"${f.appId}","installId":"proto-${key}","installedAt":"${new Date().toISOString()}","${key}":{"admin":true}}`;
      expect(await postSigned(installs, f.sdkSecret, body)).toEqual({ status: 400, body: errorBody('invalid_field', key) });
      const event = `{"appId":"${f.appId}","eventId":"proto-${key}","installId":"i","name":"open","occurredAt":"${new Date().toISOString()}","properties":{"${key}":1}}`;
      expect(await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, event)).toEqual({ status: 400, body: errorBody('invalid_field', `properties.${key}`) });
    }
    const rows = await stack.db.query(`SELECT count(*)::int AS n FROM installs WHERE install_id LIKE 'proto-%'`);
    expect(rows.rows[0].n).toBe(0);
  });
});
