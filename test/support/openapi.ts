// Checks real answers against an OpenAPI 3.0 document: the operation a request reaches, whether the status is
// documented, and whether the body matches the documented schema (no undocumented fields, none missing).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under ESM Jest the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

type Json = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  op: Json;
}

/** Fastify's route tree (`printRoutes({commonPrefix: false})`) as `GET /v1/apps/{id}` lines. */
export function routesOf(tree: string): string[] {
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

export function operationsOf(doc: Json): Operation[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op: op as Json })),
  );
}

/**
 * OpenAPI 3.0 schema → JSON Schema for Ajv: `nullable` becomes a union with null, references point into the
 * registered document, and an object that lists its properties admits no others (so an answer carrying an
 * undocumented field fails).
 */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const s: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'example' || k === 'nullable') continue;
    if (k === '$ref') s.$ref = `openapi${v as string}`;
    else if (k === 'properties') s.properties = Object.fromEntries(Object.entries(v as Json).map(([p, sub]) => [p, toJsonSchema(sub)]));
    else s[k] = toJsonSchema(v);
  }
  if (s.exclusiveMinimum === true) {
    s.exclusiveMinimum = s.minimum;
    delete s.minimum;
  }
  if (s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  return (schema as Json).nullable ? { anyOf: [s, { type: 'null' }] } : s;
}

export class OpenApiChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<unknown, ValidateFunction>();
  private readonly patterns: { re: RegExp; literal: number; operation: (m: string) => Json | undefined; path: string }[];
  /** `METHOD /path status` of every answer checked. */
  readonly seen = new Set<string>();

  constructor(readonly doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: { schemas: toJsonSchema(doc.components?.schemas ?? {}) } });
    this.patterns = Object.keys(doc.paths)
      .map((path) => ({
        path,
        re: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
        literal: path.replace(/\{\w+\}/g, '').length,
        operation: (m: string) => doc.paths[path][m.toLowerCase()] as Json | undefined,
      }))
      // `/v1/audiences/preview` before `/v1/audiences/{id}`.
      .sort((a, b) => b.literal - a.literal);
  }

  /** The documented operation a request reaches, or undefined. */
  find(method: string, url: string): { path: string; op: Json } | undefined {
    const pathname = url.split('?')[0];
    for (const p of this.patterns) {
      const op = p.re.test(pathname) ? p.operation(method) : undefined;
      if (op) return { path: p.path, op };
    }
    return undefined;
  }

  /** Problems with a schema-checked value, as readable lines (empty when it matches). */
  problems(schema: unknown, value: unknown): string[] {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.compiled.set(schema, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /**
   * Everything wrong with one exchange, against the document: an undocumented operation, query parameter or
   * status; a request body its schema refuses; an answer whose media type or body the document does not describe.
   */
  check(exchange: { method: string; url: string; requestBody?: unknown; status: number; contentType: string | null; body: unknown }): string[] {
    const { method, url, status } = exchange;
    const found = this.find(method, url);
    if (!found) return [`${method} ${url}: not in the document`];
    const where = `${method} ${found.path} ${status}`;
    this.seen.add(where);
    const out: string[] = [];
    const documented = new Set((found.op.parameters ?? []).filter((p: Json) => p.in === 'query').map((p: Json) => p.name));
    for (const name of new URLSearchParams(url.split('?')[1] ?? '').keys()) {
      if (!documented.has(name)) out.push(`${where}: query parameter ${name} is not documented`);
    }
    if (exchange.requestBody !== undefined) {
      const schema = found.op.requestBody?.content?.['application/json']?.schema;
      if (!schema) out.push(`${where}: sends a body the document does not describe`);
      else out.push(...this.problems(schema, exchange.requestBody).map((p) => `${where}: request ${p}`));
    }
    const response = found.op.responses?.[String(status)];
    if (!response) return [...out, `${where}: status not documented (documented: ${Object.keys(found.op.responses ?? {}).join(', ')})`];
    if (!response.content) {
      if (exchange.body !== undefined && exchange.body !== '') out.push(`${where}: a body where none is documented`);
      return out;
    }
    const type = (exchange.contentType ?? '').split(';')[0].trim();
    const media = response.content[type];
    if (!media) return [...out, `${where}: answered ${type}, documented ${Object.keys(response.content).join(', ')}`];
    // Binary answers (a GIF) are not read into `body`; text and JSON ones are checked.
    if (media.schema && exchange.body !== undefined) out.push(...this.problems(media.schema, exchange.body).map((p) => `${where}: response ${p}`));
    return out;
  }
}
