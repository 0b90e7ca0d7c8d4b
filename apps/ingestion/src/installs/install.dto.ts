import { applyDecorators } from '@nestjs/common';
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
  @IsOptional() @IsString() @MaxLength(64) gaid?: string;
  @IsOptional() @IsString() @MaxLength(64) idfa?: string;
  @IsOptional() @IsString() @MaxLength(64) idfv?: string;
  @IsOptional() @IsString() @MaxLength(64) androidId?: string;
}

export class ConsentDto {
  @IsOptional() @IsBoolean() attribution?: boolean;
  @IsOptional() @IsBoolean() retargeting?: boolean;
}

export class InstallDto {
  @IsUUID() appId!: string;

  /** The client's own id for this install: sending it again is safe. */
  @IsString() @Length(1, 128) installId!: string;

  @IsZonedDateTime() installedAt!: string;

  @IsOptional() @ValidateNested() @Type(() => DeviceDto) device?: DeviceDto;

  /** PostgreSQL's inet has no zone ids (`fe80::1%eth0`): refused here, not by the database. */
  @IsOptional() @IsIP() @Matches(/^[0-9A-Fa-f:.]+$/, { message: '$property must be an IP address without a zone id' }) ip?: string;

  @IsOptional() @IsString() @MaxLength(1024) userAgent?: string;

  @IsOptional() @IsString() @MaxLength(2048) referrer?: string;

  @IsOptional() @ValidateNested() @Type(() => ConsentDto) consent?: ConsentDto;

  /** The app's own id of its user (the pixel's `uid`): installs sharing it are one person in audiences. */
  @IsOptional() @IsCustomerUserId() customerUserId?: string;
}
