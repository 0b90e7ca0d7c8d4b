// The admin OpenAPI document is valid and names every route the admin app serves, so an undocumented route fails here.
import SwaggerParser from '@apidevtools/swagger-parser';
import { startStack, type Stack } from './support/stack';

const UNDOCUMENTED = new Set(['/health', '/metrics']);

/** Full paths and methods from Fastify's route tree, e.g. `GET /v1/apps/{id}`. */
function routesOf(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:[└├]── )(.*)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const seg = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(m[2])!;
    stack.length = depth;
    stack.push(seg[1]);
    if (!seg[2]) continue;
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of seg[2].split(', ')) if (method !== 'HEAD' && method !== 'OPTIONS') out.push(`${method} ${path}`);
  }
  return out;
}

describe('admin OpenAPI document', () => {
  let stack: Stack;
  let doc: any;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    doc = await (await fetch(`${stack.adminUrl}/docs/json`)).json();
  });
  afterAll(() => stack?.close());

  it('is a valid OpenAPI document with bearer auth and the error body', async () => {
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorResponse).toBeDefined();
  });

  it('documents every route the admin app serves', () => {
    const tree = stack.adminApp.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    const served = routesOf(tree).filter((r) => {
      const path = r.split(' ')[1];
      // The queue dashboard (@bull-board) is an operator's UI behind the admin key, not part of the API.
      return !UNDOCUMENTED.has(path) && !path.startsWith('/docs') && !path.startsWith('/queues');
    });
    expect(served.length).toBeGreaterThan(20);
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });
});
