// A signed body's checks, written out as plain data and run without class-transformer or class-validator's executor.
import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { arrayMaxSize, arrayMinSize, isArray, isBoolean, isIP, isISO8601, isNumber, isString, isUUID, length, matches, maxLength } from 'class-validator';
import { invalid, jsonShapeProblem, type LookbackError } from '@app/domain';

/**
 * Why not the DTO decorators: under load, class-transformer's plainToInstance and class-validator's executor were
 * the largest share of the signed paths' CPU after the socket writes (a batch of 50 events: ~14% in validation alone,
 * and most of the garbage). These checks are the same predicates (class-validator's own functions), in the same
 * order per field, with the same messages, so a refused body answers exactly what it answered before: the DTO
 * classes stay as the OpenAPI description and as the reference the spec compares these checks against.
 */
export type Check = (value: unknown, property: string) => string | undefined;

export interface Field {
  /** `@IsOptional()`: null and undefined skip every check. */
  optional?: boolean;
  /** In the order class-validator runs them (decorators apply bottom-up): the first failing one is the message. */
  checks?: Check[];
  /** `@ValidateNested()` of an object with its own fields. */
  nested?: Schema;
}
export type Schema = Record<string, Field>;

export interface Problem {
  field: string;
  message: string;
}

export const string: Check = (v, p) => (isString(v) ? undefined : `${p} must be a string`);
export const boolean: Check = (v, p) => (isBoolean(v) ? undefined : `${p} must be a boolean value`);
export const uuid: Check = (v, p) => (isUUID(v) ? undefined : `${p} must be a UUID`);
export const finiteNumber: Check = (v, p) =>
  isNumber(v, { allowNaN: false, allowInfinity: false }) ? undefined : `${p} must be a number conforming to the specified constraints`;
export const array: Check = (v, p) => (isArray(v) ? undefined : `${p} must be an array`);
export const minItems = (min: number): Check => (v, p) => (arrayMinSize(v, min) ? undefined : `${p} must contain at least ${min} elements`);
export const maxItems = (max: number): Check => (v, p) => (arrayMaxSize(v, max) ? undefined : `${p} must contain no more than ${max} elements`);
export const ip: Check = (v, p) => (isIP(v) ? undefined : `${p} must be an ip address`);
export const iso8601 = (options: { strict: boolean; strictSeparator: boolean }): Check => (v, p) =>
  isISO8601(v, options) ? undefined : `${p} must be a valid ISO 8601 date string`;
/** `message` as the decorator's: `$property` names the field. */
export const pattern = (re: RegExp, message: string): Check => (v, p) => (matches(v as string, re) ? undefined : message.replace('$property', p));
export const maxLen = (max: number): Check => (v, p) => (maxLength(v, max) ? undefined : `${p} must be shorter than or equal to ${max} characters`);
export const len = (min: number, max: number): Check => (v, p) => {
  if (length(v, min, max)) return undefined;
  // class-validator's wording, including its reading of a value that is not a string.
  const text = v as { length?: number } | null | undefined;
  if (!text || (text.length as number) < min) return `${p} must be longer than or equal to ${min} characters`;
  if ((text.length as number) > max) return `${p} must be shorter than or equal to ${max} characters`;
  return `${p} must be longer than or equal to ${min} and shorter than or equal to ${max} characters`;
};

/**
 * The first problem, as the validation pipe names it: a field the schema does not know (in the body's key order),
 * else the first field (in the schema's order) whose first failing check fails, nested fields named `a.b`.
 */
export function firstProblem(schema: Schema, body: Record<string, unknown>, prefix = ''): Problem | undefined {
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(schema, key)) return { field: prefix + key, message: `property ${key} should not exist` };
  }
  for (const key in schema) {
    const field = schema[key];
    const value = body[key];
    if (field.optional && (value === null || value === undefined)) continue;
    if (field.checks) {
      for (const check of field.checks) {
        const message = check(value, key);
        if (message !== undefined) return { field: prefix + key, message };
      }
    }
    if (field.nested && value !== undefined) {
      // An array is refused, where class-validator would validate each element as a nested object (and take `[]`).
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { field: prefix + key, message: `nested property ${key} must be either object or array` };
      }
      const inner = firstProblem(field.nested, value as Record<string, unknown>, `${prefix}${key}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** One body item (or a whole body the shape pipe already walked) checked against a schema. */
export function checkItem<T>(schema: Schema, plain: unknown, shapeChecked = false): { ok: true; value: T } | { ok: false; error: LookbackError } {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, error: invalid('invalid_body', 'Each item must be a JSON object.') };
  }
  const shape = shapeChecked ? undefined : jsonShapeProblem(plain);
  if (shape) return { ok: false, error: invalid('invalid_field', shape.message, shape.field) };
  const problem = firstProblem(schema, plain as Record<string, unknown>);
  if (problem) return { ok: false, error: invalid('invalid_field', problem.message, problem.field) };
  return { ok: true, value: plain as T };
}

/** Checks a whole body: its shape (depth, storable text), then its schema; each refusal a 400 naming the field. */
export class SchemaPipe<T> implements PipeTransform<unknown, T> {
  /** `itemsField`: a batch's array, whose items' text is left to the per-item check (one bad item is refused alone). */
  constructor(
    private readonly schema: Schema,
    private readonly itemsField?: string,
  ) {}

  transform(value: unknown): T {
    const shape = jsonShapeProblem(value, this.itemsField);
    if (shape) throw invalid('invalid_field', shape.message, shape.field);
    const checked = checkItem<T>(this.schema, value, true);
    if (!checked.ok) throw checked.error;
    return checked.value;
  }
}

const RequestBody = createParamDecorator((_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<{ body: unknown }>().body);

/**
 * The request body checked by `schema` (see SchemaPipe). A custom parameter, so the global shape and validation
 * pipes leave it to this one; the route names its OpenAPI body with `@ApiBody`. The signature guard has already
 * refused a body that is not a JSON object.
 */
export const CheckedBody = (schema: Schema, itemsField?: string): ParameterDecorator => RequestBody(undefined, new SchemaPipe(schema, itemsField));
