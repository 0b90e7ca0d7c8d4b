import { attemptOutcome, mayRepeatUncertain, nextDeliveryStatus } from './delivery';

describe('delivery outcomes', () => {
  it('a 2xx is delivered, any other answer or a call never connected is a plain error', () => {
    expect(attemptOutcome({ ok: true, statusCode: 200, sent: true })).toBe('ok');
    expect(attemptOutcome({ ok: false, statusCode: 500, sent: true })).toBe('error');
    expect(attemptOutcome({ ok: false, statusCode: null, sent: false })).toBe('error');
    expect(attemptOutcome({ ok: false, statusCode: null, sent: true })).toBe('uncertain');
  });

  it('an uncertain postback is never repeated unless the network drops repeats of a click id', () => {
    expect(nextDeliveryStatus('uncertain', 'postback', false, false)).toBe('unknown');
    expect(nextDeliveryStatus('uncertain', 'postback', false, true)).toBe('unknown');
    expect(nextDeliveryStatus('uncertain', 'postback', true, false)).toBe('pending');
    expect(nextDeliveryStatus('uncertain', 'postback', true, true)).toBe('failed');
    expect(mayRepeatUncertain('webhook', false)).toBe(true);
    expect(mayRepeatUncertain('alert', false)).toBe(true);
  });

  it('errors retry until the last attempt; ok is delivered whatever the attempt', () => {
    expect(nextDeliveryStatus('error', 'postback', false, false)).toBe('pending');
    expect(nextDeliveryStatus('error', 'postback', false, true)).toBe('failed');
    expect(nextDeliveryStatus('ok', 'postback', false, true)).toBe('delivered');
  });
});
