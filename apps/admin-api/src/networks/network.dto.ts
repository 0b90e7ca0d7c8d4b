import { PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { IsText, Optional } from '../common/fields';
import { IsUrlTemplate } from '../common/url-template';

export class CreateNetworkDto {
  @IsText(1, 200) name!: string;
  /** Called by GET on every attributed install; macros such as {click_id} are filled, URL-encoded. `null` clears it. */
  @IsOptional() @IsUrlTemplate(['http', 'https']) installPostbackUrl?: string | null;
  @IsOptional() @IsUrlTemplate(['http', 'https']) eventPostbackUrl?: string | null;
  @Optional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  postbackEvents?: string[];
  /**
   * The network drops a repeated postback for the same click id. Only then is a postback whose attempt was
   * interrupted (worker crash, deadline after sending) sent again; otherwise it becomes `unknown`. Default false.
   */
  @Optional() @IsBoolean() dedupesClickId?: boolean;
}

export class UpdateNetworkDto extends PartialType(CreateNetworkDto, { skipNullProperties: false }) {}
