import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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

/** An ISO 8601 date-time with a time zone: without one, the instant would depend on the server's zone. */
export const IsZonedDateTime = () =>
  applyDecorators(
    IsISO8601({ strict: true, strictSeparator: true }),
    Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, {
      message: '$property must be an ISO 8601 date-time with a time zone, e.g. 2026-11-30T10:00:00Z',
    }),
  );

/** The app's own user id: at most 256 characters, no control characters (it travels in webhooks and CSV exports). */
export const IsCustomerUserId = () =>
  applyDecorators(
    IsString(),
    Length(1, 256),
    Matches(/^[^\u0000-\u001f\u007f]+$/, { message: '$property must not contain control characters' }),
  );

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
  @IsOptional() @IsIP() @Matches(/^[0-9A-Fa-f:.]+$/, { message: '$property must be an IP address without a zone id' }) ip?: string;

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
