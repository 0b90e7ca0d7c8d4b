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
import { ConsentDto, IsCustomerUserId, IsZonedDateTime } from '../installs/install.dto';

const IsProperties = () =>
  ValidateBy({
    name: 'isProperties',
    validator: {
      validate: (value: unknown) => propertiesProblem(value) === undefined,
      defaultMessage: (args) => propertiesProblem(args?.value) ?? 'properties is not valid',
    },
  });

/** One event as a batch item carries it: `appId` may be left out (the batch's signed app is meant). */
export class EventItemDto {
  @IsOptional() @IsUUID() appId?: string;

  /** The client's idempotency key: the same eventId with the same body is accepted once. */
  @IsString() @Length(1, 128) eventId!: string;

  /** The client's own installId the install was sent with. */
  @IsString() @Length(1, 128) installId!: string;

  @IsString() @Matches(EVENT_NAME, { message: 'name must match ^[A-Za-z0-9_.:-]{1,100}$' }) name!: string;

  /** A full timestamp with its offset: a date alone, or a time without a zone, would be read in our time zone. */
  @IsZonedDateTime()
  occurredAt!: string;

  /** Exactly as sent (checked and converted to a decimal string by the service); needs `currency`. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) revenue?: number;

  /** ISO 4217, checked against the known list by the service so the error can say `unknown_currency`. */
  @IsOptional() @IsString() @MaxLength(16) currency?: string;

  @IsOptional() @IsProperties() properties?: Record<string, unknown>;

  @IsOptional() @ValidateNested() @Type(() => ConsentDto) consent?: ConsentDto;

  /** The app's own id of its user, the same id as the pixel's `uid`: web and app events of one person meet. */
  @IsOptional() @IsCustomerUserId() customerUserId?: string;
}

export class EventDto extends EventItemDto {
  @IsUUID() declare appId: string;
}

/**
 * `{"appId"?, "events": [...]}`. The signature is checked with `appId`'s secret, or the first item's app when
 * there is no top-level appId; every item must belong to that app. Items are validated one by one, so the
 * array is taken as it is here.
 */
export class EventBatchDto {
  /** Items are answered one by one (see BatchBody). */
  static readonly itemsField = 'events';

  @IsOptional() @IsUUID() appId?: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) events!: unknown[];
}
