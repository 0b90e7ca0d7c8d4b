import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIP,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

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

  @IsISO8601({ strict: true, strictSeparator: true }) installedAt!: string;

  @IsOptional() @ValidateNested() @Type(() => DeviceDto) device?: DeviceDto;

  @IsOptional() @IsIP() ip?: string;

  @IsOptional() @IsString() @MaxLength(1024) userAgent?: string;

  @IsOptional() @IsString() @MaxLength(2048) referrer?: string;

  @IsOptional() @ValidateNested() @Type(() => ConsentDto) consent?: ConsentDto;
}
