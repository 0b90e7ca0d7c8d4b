import fc from 'fast-check';
import { jsonShapeProblem, MAX_JSON_DEPTH } from './json-shape';

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('jsonShapeProblem', () => {
  it('accepts ordinary bodies', () => {
    expect(jsonShapeProblem({ appId: 'x', device: { gaid: 'g' }, items: [{ a: 1 }, 'é 漢字 🎉'] })).toBeUndefined();
  });

  it('names the field holding a lone surrogate, a NUL, or a bad key', () => {
    expect(jsonShapeProblem({ installId: '\udbff' })?.field).toBe('installId');
    expect(jsonShapeProblem({ device: { gaid: 'a\u0000b' } })?.field).toBe('device.gaid');
    expect(jsonShapeProblem({ events: [{ eventId: 'ok' }, { eventId: 'x\udc00' }] })?.field).toBe('events[1].eventId');
    expect(jsonShapeProblem({ properties: { ['\ud800']: 1 } })?.field).toBe('properties');
  });

  it('refuses prototype keys anywhere, batch items included (the validation pipe would drop them unseen)', () => {
    const keyed = (k: string, v: unknown = 1) => JSON.parse(`{"${k}": ${JSON.stringify(v)}}`) as Record<string, unknown>;
    for (const k of ['__proto__', 'constructor', 'prototype']) {
      expect(jsonShapeProblem(keyed(k))?.field).toBe(k);
      expect(jsonShapeProblem({ properties: keyed(k, null) })?.field).toBe(`properties.${k}`);
      expect(jsonShapeProblem({ events: [{ eventId: 'a' }, keyed(k)] }, 'events')?.field).toBe(`events[1].${k}`);
    }
    expect(jsonShapeProblem({ properties: { constructors: 1, proto: 2, Prototype: 3 } })).toBeUndefined();
  });

  it('refuses depth past the limit by its top-level field, without recursion', () => {
    expect(jsonShapeProblem({ device: nested(MAX_JSON_DEPTH - 2) })).toBeUndefined();
    expect(jsonShapeProblem({ device: nested(100_000) })).toEqual({ field: 'device', message: expect.stringContaining('deeper') });
  });

  it('never throws and agrees with isWellFormed on every generated string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const problem = jsonShapeProblem({ s });
        expect(problem === undefined).toBe((s as unknown as { isWellFormed(): boolean }).isWellFormed() && !s.includes('\u0000'));
      }),
    );
  });
});
