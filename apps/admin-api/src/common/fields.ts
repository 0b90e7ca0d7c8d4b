import { applyDecorators } from '@nestjs/common';
import { IsISO8601, IsString, Length, Matches, ValidateBy, ValidateIf } from 'class-validator';

/**
 * May be left out, but not sent as `null`: for settings whose column is NOT NULL. (`@IsOptional()` also lets
 * `null` through, which then failed in PostgreSQL as a 500; keep it for settings that `null` clears.)
 */
export const Optional = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** A text of `min`..`max` characters; PostgreSQL refuses NUL in text, so it is refused here with a 400. */
export const IsText = (min: number, max: number) =>
  applyDecorators(IsString(), Length(min, max), Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL characters' }));

/**
 * At most `places` decimals. class-validator's `maxDecimalPlaces` reads `String(value)`, which throws on
 * exponent forms such as 1e-7 (a 500) and undercounts 1.5e-7.
 */
export const MaxDecimals = (places: number) =>
  ValidateBy({
    name: 'maxDecimals',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value,
      defaultMessage: () => `$property must have at most ${places} decimals`,
    },
  });

/**
 * An instant: an ISO 8601 date-time with its time zone (`2026-12-01T00:00:00Z`, `…+02:00`), or a date alone,
 * read as midnight UTC. A date-time without a zone would be read in the server's zone: refused.
 */
export const IsInstant = () =>
  applyDecorators(
    IsISO8601({ strict: true }),
    Matches(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/, {
      message: '$property must be a date (2026-12-01, midnight UTC) or a date-time with a time zone (2026-12-01T00:00:00Z)',
    }),
  );
