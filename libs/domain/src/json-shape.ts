/**
 * What every JSON body must be before its fields are even looked at: shallow enough to validate without
 * recursion blowing the stack, and made of text PostgreSQL can store (no lone UTF-16 surrogates, no NUL).
 * A lone surrogate would otherwise be stored as U+FFFD and collide with a genuine "\ufffd" id.
 */
export const MAX_JSON_DEPTH = 32;

export interface ShapeProblem {
  field: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode text (it holds a lone UTF-16 surrogate)';
  if (s.includes('\u0000')) return 'must not contain the NUL character';
  return undefined;
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * The first problem found, walking iteratively (a 100,000-deep body is answered, not a stack overflow).
 * `depthOnly`: check nesting but leave the text to a later, per-item check.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, depthOnly = false): ShapeProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (depthOnly) continue;
      const problem = textProblem(v);
      if (problem) return { field: path, message: `${path || 'value'} ${problem}` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) {
      const top = path.split(/[.[]/)[0];
      return { field: top, message: `${top || 'the body'} is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: join(path, i), depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      const problem = depthOnly ? undefined : textProblem(key);
      if (problem) return { field: path, message: `a key of ${path || 'the body'} ${problem}` };
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}
