import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { boolean, ip, iso8601, len, maxLen, pattern, string, uuid, type Check, type Schema } from '../validation/body-schema';
import {
  IsBoolean,
  IsIP,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

const ISO_8601 = { strict: true, strictSeparator: true };
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ZONED_MESSAGE = '$property must be an ISO 8601 date-time with a time zone, e.g. 2026-11-30T10:00:00Z';
const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;
const NO_CONTROL_MESSAGE = '$property must not contain control characters';
const IP_CHARS = /^[0-9A-Fa-f:.]+$/;
const IP_CHARS_MESSAGE = '$property must be an IP address without a zone id';

/** An ISO 8601 date-time with a time zone: without one, the instant would depend on the server's zone. */
export const IsZonedDateTime = () => applyDecorators(IsISO8601(ISO_8601), Matches(ZONED, { message: ZONED_MESSAGE }));

/** The app's own user id: at most 256 characters, no control characters (it travels in webhooks and CSV exports). */
export const IsCustomerUserId = () => applyDecorators(IsString(), Length(1, 256), Matches(NO_CONTROL, { message: NO_CONTROL_MESSAGE }));

export class DeviceDto {
  @ApiPropertyOptional({ type: String, maxLength: 64, example: '38400000-8cf0-11bd-b23e-10b96e40000d', description: 'All zeros means none.' })
  @IsOptional() @IsString() @MaxLength(64) gaid?: string;
  @ApiPropertyOptional({ type: String, maxLength: 64, description: 'All zeros means none.' }) @IsOptional() @IsString() @MaxLength(64) idfa?: string;
  @ApiPropertyOptional({ type: String, maxLength: 64 }) @IsOptional() @IsString() @MaxLength(64) idfv?: string;
  @ApiPropertyOptional({ type: String, maxLength: 64 }) @IsOptional() @IsString() @MaxLength(64) androidId?: string;
}

export class ConsentDto {
  @ApiPropertyOptional({ type: Boolean, description: '`false`: no fingerprint matching, no IP or device kept from the pixel.' })
  @IsOptional() @IsBoolean() attribution?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: '`false`: never enters an audience.' }) @IsOptional() @IsBoolean() retargeting?: boolean;
}

export const ZONED_DATE_TIME = { type: String, format: 'date-time', example: '2026-11-30T10:00:00Z', description: 'ISO 8601 with a time zone.' };
export const CUSTOMER_USER_ID = { type: String, minLength: 1, maxLength: 256, description: "The app's own id of its user (the pixel's `uid`); no control characters." };

export class InstallDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() appId!: string;

  /** The client's own id for this install: sending it again is safe. */
  @ApiProperty({ minLength: 1, maxLength: 128, description: "The client's own id for this install (the idempotency key)." })
  @IsString() @Length(1, 128) installId!: string;

  @ApiProperty(ZONED_DATE_TIME) @IsZonedDateTime() installedAt!: string;

  @ApiPropertyOptional({ type: DeviceDto }) @IsOptional() @ValidateNested() @Type(() => DeviceDto) device?: DeviceDto;

  /** PostgreSQL's inet has no zone ids (`fe80::1%eth0`): refused here, not by the database. */
  @ApiPropertyOptional({ type: String, example: '203.0.113.7', description: "The device's IP (default: the request's); no zone id." })
  @IsOptional() @IsIP() @Matches(IP_CHARS, { message: IP_CHARS_MESSAGE }) ip?: string;

  @ApiPropertyOptional({ type: String, maxLength: 1024, description: "Default: the request's User-Agent." }) @IsOptional() @IsString() @MaxLength(1024) userAgent?: string;

  @ApiPropertyOptional({ type: String, maxLength: 2048, example: 'utm_source=x&lookback_click_id=0190f5c4-0000-7000-8000-000000000003', description: 'The install referrer; a `lookback_click_id` in it matches that click.' })
  @IsOptional() @IsString() @MaxLength(2048) referrer?: string;

  @ApiPropertyOptional({ type: ConsentDto }) @IsOptional() @ValidateNested() @Type(() => ConsentDto) consent?: ConsentDto;

  /** The app's own id of its user (the pixel's `uid`): installs sharing it are one person in audiences. */
  @ApiPropertyOptional(CUSTOMER_USER_ID)
  @IsOptional() @IsCustomerUserId() customerUserId?: string;
}

export class InstallAccepted {
  @ApiProperty({ format: 'uuid', description: "Lookback's id of the install." }) id!: string;
  @ApiProperty({ enum: ['pending', 'attributed', 'organic', 'rejected', 'reinstall'], description: '`pending` until the worker decides; a repeat shows the decision so far.' })
  status!: string;
}

/** The checks of the decorators above, in class-validator's order (see validation/body-schema.ts). */
export const ZONED_DATE_TIME_CHECKS: Check[] = [iso8601(ISO_8601), pattern(ZONED, ZONED_MESSAGE)];
export const CUSTOMER_USER_ID_CHECKS: Check[] = [string, len(1, 256), pattern(NO_CONTROL, NO_CONTROL_MESSAGE)];
const DEVICE_ID: Schema[string] = { optional: true, checks: [maxLen(64), string] };
export const CONSENT_SCHEMA: Schema = {
  attribution: { optional: true, checks: [boolean] },
  retargeting: { optional: true, checks: [boolean] },
};
export const INSTALL_SCHEMA: Schema = {
  appId: { checks: [uuid] },
  installId: { checks: [len(1, 128), string] },
  installedAt: { checks: ZONED_DATE_TIME_CHECKS },
  device: { optional: true, nested: { gaid: DEVICE_ID, idfa: DEVICE_ID, idfv: DEVICE_ID, androidId: DEVICE_ID } },
  ip: { optional: true, checks: [pattern(IP_CHARS, IP_CHARS_MESSAGE), ip] },
  userAgent: { optional: true, checks: [maxLen(1024), string] },
  referrer: { optional: true, checks: [maxLen(2048), string] },
  consent: { optional: true, nested: CONSENT_SCHEMA },
  customerUserId: { optional: true, checks: CUSTOMER_USER_ID_CHECKS },
};

/** A body INSTALL_SCHEMA let through. An interface, so that the global validation pipe sees no class to run. */
export interface InstallInput extends InstallDto {}
