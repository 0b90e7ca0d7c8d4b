import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { invalid, type LookbackError } from '@app/domain';

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
