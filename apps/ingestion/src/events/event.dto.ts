import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { EVENT_NAME, propertiesProblem } from '@app/domain';
import { ErrorDetail } from '@app/http';
import {
  CONSENT_SCHEMA,
  CUSTOMER_USER_ID,
  CUSTOMER_USER_ID_CHECKS,
  ConsentDto,
  IsCustomerUserId,
  IsZonedDateTime,
  ZONED_DATE_TIME,
  ZONED_DATE_TIME_CHECKS,
} from '../installs/install.dto';
import { array, finiteNumber, len, maxItems, maxLen, minItems, pattern, string, uuid, type Schema } from '../validation/body-schema';

const propertiesMessage = (value: unknown) => propertiesProblem(value) ?? 'properties is not valid';
const IsProperties = () =>
  ValidateBy({
    name: 'isProperties',
    validator: {
      validate: (value: unknown) => propertiesProblem(value) === undefined,
      defaultMessage: (args) => propertiesMessage(args?.value),
    },
  });
const EVENT_NAME_MESSAGE = 'name must match ^[A-Za-z0-9_.:-]{1,100}$';

/** One event as a batch item carries it: `appId` may be left out (the batch's signed app is meant). */
export class EventItemDto {
  @ApiPropertyOptional({ type: String, format: 'uuid', description: "In a batch it may be left out: the batch's signed app is meant." })
  @IsOptional() @IsUUID() appId?: string;

  /** The client's idempotency key: the same eventId with the same body is accepted once. */
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'order-1', description: 'The idempotency key: the same eventId with the same body is accepted once.' })
  @IsString() @Length(1, 128) eventId!: string;

  /** The client's own installId the install was sent with. */
  @ApiProperty({ minLength: 1, maxLength: 128, description: "The client's own installId the install was sent with." })
  @IsString() @Length(1, 128) installId!: string;

  @ApiProperty({ pattern: '^[A-Za-z0-9_.:-]{1,100}$', example: 'purchase' })
  @IsString() @Matches(EVENT_NAME, { message: EVENT_NAME_MESSAGE }) name!: string;

  /** A full timestamp with its offset: a date alone, or a time without a zone, would be read in our time zone. */
  @ApiProperty(ZONED_DATE_TIME)
  @IsZonedDateTime()
  occurredAt!: string;

  /** Exactly as sent (checked and converted to a decimal string by the service); needs `currency`. */
  @ApiPropertyOptional({ type: Number, example: 4.99, description: 'Needs `currency`; negative for a refund.' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) revenue?: number;

  /** ISO 4217, checked against the known list by the service so the error can say `unknown_currency`. */
  @ApiPropertyOptional({ type: String, example: 'EUR', description: 'ISO 4217.' }) @IsOptional() @IsString() @MaxLength(16) currency?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { sku: 'gems_100' } })
  @IsOptional() @IsProperties() properties?: Record<string, unknown>;

  @ApiPropertyOptional({ type: ConsentDto }) @IsOptional() @ValidateNested() @Type(() => ConsentDto) consent?: ConsentDto;

  /** The app's own id of its user, the same id as the pixel's `uid`: web and app events of one person meet. */
  @ApiPropertyOptional(CUSTOMER_USER_ID) @IsOptional() @IsCustomerUserId() customerUserId?: string;
}

export class EventDto extends EventItemDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() declare appId: string;
}

/**
 * `{"appId"?, "events": [...]}`. The signature is checked with `appId`'s secret, or the first item's app when
 * there is no top-level appId; every item must belong to that app. Items are validated one by one, so the
 * array is taken as it is here.
 */
export class EventBatchDto {
  /** Items are answered one by one (see BatchBody). */
  static readonly itemsField = 'events';

  @ApiPropertyOptional({ type: String, format: 'uuid', description: "The app whose secret signs the batch; default: the first event's." })
  @IsOptional() @IsUUID() appId?: string;

  @ApiProperty({ type: 'array', minItems: 1, maxItems: 500, items: { $ref: '#/components/schemas/EventItemDto' } })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) events!: unknown[];
}

export class EventAccepted {
  @ApiProperty({ format: 'uuid', description: "Lookback's id of the event." }) id!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'With `?debug=1`: what Lookback understood.' })
  debug?: Record<string, unknown>;
}

export class BatchItemResultView {
  @ApiProperty({ description: 'The position in `events`.' }) index!: number;
  @ApiProperty({ enum: [200, 202, 400, 409, 503], description: 'As for POST /v1/events; 503: not stored, retry this item.' }) status!: number;
  @ApiPropertyOptional({ type: String, format: 'uuid' }) id?: string;
  @ApiPropertyOptional({ type: ErrorDetail }) error?: ErrorDetail;
}

export class BatchResultsView {
  @ApiProperty({ type: [BatchItemResultView], description: 'One per item, in order.' }) results!: BatchItemResultView[];
}

/**
 * The checks of EventItemDto's decorators, in class-validator's order (see validation/body-schema.ts). EventDto
 * is the same: its appId is checked (and required) by the signature guard before validation runs.
 */
export const EVENT_ITEM_SCHEMA: Schema = {
  appId: { optional: true, checks: [uuid] },
  eventId: { checks: [len(1, 128), string] },
  installId: { checks: [len(1, 128), string] },
  name: { checks: [pattern(EVENT_NAME, EVENT_NAME_MESSAGE), string] },
  occurredAt: { checks: ZONED_DATE_TIME_CHECKS },
  revenue: { optional: true, checks: [finiteNumber] },
  currency: { optional: true, checks: [maxLen(16), string] },
  properties: { optional: true, checks: [(v) => (propertiesProblem(v) === undefined ? undefined : propertiesMessage(v))] },
  consent: { optional: true, nested: CONSENT_SCHEMA },
  customerUserId: { optional: true, checks: CUSTOMER_USER_ID_CHECKS },
};

/** EventBatchDto's decorators; its items are checked one by one with EVENT_ITEM_SCHEMA. */
export const EVENT_BATCH_SCHEMA: Schema = {
  appId: { optional: true, checks: [uuid] },
  events: { checks: [maxItems(500), minItems(1), array] },
};

/** Bodies the schemas let through. Interfaces, so that the global validation pipe sees no class to run. */
export interface EventInput extends EventDto {}
export interface EventItemInput extends EventItemDto {}
export interface EventBatchInput extends EventBatchDto {}
