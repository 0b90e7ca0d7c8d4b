import { PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsUrlTemplate } from '../common/url-template';

export class CreateNetworkDto {
  @IsString() @Length(1, 200) name!: string;
  /** Called by GET on every attributed install; macros such as {click_id} are filled, URL-encoded. */
  @IsOptional() @IsUrlTemplate(['http', 'https']) installPostbackUrl?: string;
  @IsOptional() @IsUrlTemplate(['http', 'https']) eventPostbackUrl?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  postbackEvents?: string[];
}

export class UpdateNetworkDto extends PartialType(CreateNetworkDto) {}
