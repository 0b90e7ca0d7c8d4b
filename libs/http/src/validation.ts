import { ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { invalid, jsonShapeProblem, type LookbackError } from '@app/domain';

function firstProblem(errors: ValidationError[], prefix = ''): { field: string; message: string } | undefined {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints && Object.keys(e.constraints).length > 0) {
      return { field, message: Object.values(e.constraints)[0] };
    }
    const nested = firstProblem(e.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

const OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/**
 * The pipe's checks for one value, for bodies that hold many independent items (a batch answers each item on
 * its own, so one bad item must not fail the request).
 */
export async function validateItem<T extends object>(
  cls: ClassConstructor<T>,
  plain: unknown,
): Promise<{ ok: true; value: T } | { ok: false; error: LookbackError }> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, error: invalid('invalid_body', 'Each item must be a JSON object.') };
  }
  const shape = jsonShapeProblem(plain);
  if (shape) return { ok: false, error: invalid('invalid_field', shape.message, shape.field) };
  const value = plainToInstance(cls, plain);
  const problem = firstProblem(await validate(value, OPTIONS));
  if (problem) return { ok: false, error: invalid('invalid_field', problem.message, problem.field) };
  return { ok: true, value };
}

/** Validation at the edge: unknown fields refused, types checked, the first problem named with its path. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...OPTIONS,
    transform: true,
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors);
      return invalid('invalid_field', problem ? problem.message : 'The request is not valid.', problem?.field);
    },
  });
}

/**
 * A body DTO whose array field holds items answered one by one (a batch): the shape pipe leaves the text of
 * those items to `validateItem`, so one bad item is refused alone.
 */
export interface BatchBody {
  itemsField?: string;
}

/**
 * Runs before the validation pipe on every body: depth bounded (class-transformer recurses and would overflow
 * the stack) and every string storable, each refused as a 400 naming the field.
 */
export class JsonShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || value === null || typeof value !== 'object') return value;
    const problem = jsonShapeProblem(value, (metadata.metatype as BatchBody | undefined)?.itemsField);
    if (problem) throw invalid('invalid_field', problem.message, problem.field);
    return value;
  }
}
