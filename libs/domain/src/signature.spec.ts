import { createHmac } from 'node:crypto';
import { hashApiKey, newSecret, signBody, signWebhook, verifyBodySignature } from './signature';

const SECRET = 'sdk_test_secret';
const BODY = '{"appId":"app-1","installId":"i-1","installedAt":"2026-11-30T10:00:00Z"}';
const hmacHex = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

describe('signBody', () => {
  it('is sha256=<hex HMAC-SHA256(secret, raw body)>', () => {
    expect(signBody(SECRET, BODY)).toBe(`sha256=${hmacHex(SECRET, BODY)}`);
    expect(signBody(SECRET, BODY)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('gives the same signature for a Buffer and a string of the same bytes', () => {
    expect(signBody(SECRET, Buffer.from(BODY, 'utf8'))).toBe(signBody(SECRET, BODY));
  });
});

describe('verifyBodySignature', () => {
  const good = `sha256=${hmacHex(SECRET, BODY)}`;

  it('accepts the right signature', () => {
    expect(verifyBodySignature(SECRET, BODY, good)).toBe(true);
    expect(verifyBodySignature(SECRET, Buffer.from(BODY), good)).toBe(true);
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    expect(verifyBodySignature(SECRET, BODY, `sha256=${hmacHex(SECRET, BODY).toUpperCase()}`)).toBe(true);
    expect(verifyBodySignature(SECRET, BODY, `  ${good} `)).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyBodySignature(SECRET, BODY, `sha256=${hmacHex('other', BODY)}`)).toBe(false);
  });

  it('rejects a signature of another body (one byte changed)', () => {
    expect(verifyBodySignature(SECRET, BODY.replace('i-1', 'i-2'), good)).toBe(false);
    expect(verifyBodySignature(SECRET, `${BODY} `, good)).toBe(false);
  });

  it('rejects a signature with one hex digit flipped', () => {
    const hex = hmacHex(SECRET, BODY);
    const flipped = (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    expect(verifyBodySignature(SECRET, BODY, `sha256=${flipped}`)).toBe(false);
  });

  it('rejects a missing or empty header', () => {
    expect(verifyBodySignature(SECRET, BODY, undefined)).toBe(false);
    expect(verifyBodySignature(SECRET, BODY, '')).toBe(false);
  });

  it('rejects malformed headers without throwing', () => {
    const hex = hmacHex(SECRET, BODY);
    for (const header of [
      hex, // no prefix
      `sha1=${hex}`,
      `SHA256=${hex}`,
      `sha256:${hex}`,
      `sha256= ${hex}`,
      `sha256=${hex.slice(0, 63)}g`, // not hex
      `sha256=${hex},v1=${hex}`,
      'sha256=',
      `t=1,v1=${hex}`,
    ]) {
      expect(() => verifyBodySignature(SECRET, BODY, header)).not.toThrow();
      expect(verifyBodySignature(SECRET, BODY, header)).toBe(false);
    }
  });

  it('rejects a signature of the wrong length without throwing', () => {
    const hex = hmacHex(SECRET, BODY);
    for (const header of [`sha256=${hex.slice(0, 62)}`, `sha256=${hex}00`, `sha256=${hex.slice(0, 63)}`, `sha256=${hex}0`]) {
      expect(() => verifyBodySignature(SECRET, BODY, header)).not.toThrow();
      expect(verifyBodySignature(SECRET, BODY, header)).toBe(false);
    }
  });
});

describe('signWebhook', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    const body = '{"audienceId":"a-1","entered":[],"exited":[]}';
    const header = signWebhook('whsec_x', body, 1_796_032_800);
    expect(header).toBe(`t=1796032800,v1=${hmacHex('whsec_x', `1796032800.${body}`)}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('changes with the timestamp, so a replay with a new time needs a new signature', () => {
    const a = signWebhook('s', 'b', 100).split(',v1=')[1];
    const b = signWebhook('s', 'b', 101).split(',v1=')[1];
    expect(a).not.toBe(b);
  });
});

describe('newSecret and hashApiKey', () => {
  it('newSecret is prefixed, url-safe and random', () => {
    const a = newSecret('sdk');
    const b = newSecret('sdk');
    expect(a).toMatch(/^sdk_[A-Za-z0-9_-]{32}$/);
    expect(a).not.toBe(b);
  });

  it('hashApiKey is the hex SHA-256 of the key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
