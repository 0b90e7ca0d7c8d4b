import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** `sha256=<hex>` over the raw body, as the SDK and servers send it in `X-Lookback-Signature`. */
export function signBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** The shape of `X-Lookback-Signature`: `sha256=<64 hex>`. */
export const BODY_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export function verifyBodySignature(secret: string, rawBody: Buffer | string, header: string | undefined): boolean {
  if (!header) return false;
  const match = BODY_SIGNATURE.exec(header.trim());
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

/** An audience's webhook secret: `whsec_` + base64 of 32 random bytes, the form Standard Webhooks libraries take. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The headers of one webhook call, signed by every secret given (the current one first; during a rotation the
 * previous one too, so a partner may switch at its own pace). `X-Lookback-Signature` is
 * `t=<ts>,v1=<hex>[,v1=<hex>]` keyed by the secret text as shown; `webhook-signature` is Standard Webhooks'
 * `v1,<base64 HMAC(base64-decoded secret, "<id>.<ts>.<body>")>`, space-separated when there are several.
 */
export function webhookSignatureHeaders(
  secrets: readonly string[],
  messageId: string,
  rawBody: string,
  unixSeconds: number,
): Record<string, string> {
  const lookback = secrets.map((s) => createHmac('sha256', s).update(`${unixSeconds}.${rawBody}`).digest('hex'));
  const standard = secrets.map((s) => {
    const key = Buffer.from(s.startsWith('whsec_') ? s.slice('whsec_'.length) : s, 'base64');
    return `v1,${createHmac('sha256', key).update(`${messageId}.${unixSeconds}.${rawBody}`).digest('base64')}`;
  });
  return {
    'x-lookback-signature': [`t=${unixSeconds}`, ...lookback.map((m) => `v1=${m}`)].join(','),
    'webhook-id': messageId,
    'webhook-timestamp': String(unixSeconds),
    'webhook-signature': standard.join(' '),
  };
}
