import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** `sha256=<hex>` over the raw body, as the SDK and servers send it in `X-Lookback-Signature`. */
export function signBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function verifyBodySignature(secret: string, rawBody: Buffer | string, header: string | undefined): boolean {
  if (!header) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return timingSafeEqual(expected, given);
}

/** Audience webhooks: `t=<unix seconds>,v1=<hex HMAC(secret, "<t>.<body>")>`, so a receiver can refuse replays. */
export function signWebhook(secret: string, rawBody: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** API keys are stored as this digest only; a key is long and random, so a fast hash is enough. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
