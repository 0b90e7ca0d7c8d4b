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

/**
 * Keys that name an object's prototype machinery. JSON.parse makes them ordinary keys, but Nest's validation pipe
 * deletes them anywhere in a body without a word, so a body holding one was answered as if it had not (an unknown
 * field accepted, an event stored without a property it was sent with). Refused instead, like `__proto__` is by
 * the body parser.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function textProblem(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode text (it holds a lone UTF-16 surrogate)';
  if (s.includes('\u0000')) return 'must not contain the NUL character';
  return undefined;
}

/**
 * The first problem found, walking iteratively (a 100,000-deep body is answered, not a stack overflow).
 * `textLeftTo`: a top-level field whose text is checked later, item by item (a batch), so only its depth is
 * checked here.
 */
export function jsonShapeProblem(value: unknown, textLeftTo?: string): ShapeProblem | undefined {
  const stack: Array<{ value: unknown; path: string; top: string; depth: number }> = [{ value, path: '', top: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, top, depth } = stack.pop()!;
    const checkText = top === '' || top !== textLeftTo;
    if (typeof v === 'string') {
      const problem = checkText ? textProblem(v) : undefined;
      if (problem) return { field: path, message: `${path || 'value'} ${problem}` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field: top, message: `${top || 'the body'} is nested deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, top, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      // A batch item's prototype key is refused here with the whole body: the validation pipe would strip it
      // before the item is checked on its own.
      if (PROTOTYPE_KEYS.has(key)) {
        const field = path ? `${path}.${key}` : key;
        return { field, message: `${field} is not a field anyone can send (a prototype key)` };
      }
      const problem = checkText ? textProblem(key) : undefined;
      if (problem) return { field: path, message: `a key of ${path || 'the body'} ${problem}` };
      stack.push({ value: item, path: path ? `${path}.${key}` : key, top: top || key, depth: depth + 1 });
    }
  }
  return undefined;
}
