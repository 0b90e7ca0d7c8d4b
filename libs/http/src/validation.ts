import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid } from '@app/domain';

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

/** Validation at the edge: unknown fields refused, types checked, the first problem named with its path. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors);
      return invalid('invalid_field', problem ? problem.message : 'The request is not valid.', problem?.field);
    },
  });
}
