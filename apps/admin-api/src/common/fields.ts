import { applyDecorators } from '@nestjs/common';
import { IsString, Length, Matches, ValidateBy, ValidateIf } from 'class-validator';

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
