import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { IsText, Optional } from '../common/fields';
import { IsUrlTemplate } from '../common/url-template';

const POSTBACK_EXAMPLE = 'https://postback.adnet.example/install?click={click_id}&id={install_id}';

export class CreateNetworkDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'AdNet' }) @IsText(1, 200) name!: string;
  /** Called by GET on every attributed install; macros such as {click_id} are filled, URL-encoded. `null` clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, example: POSTBACK_EXAMPLE, description: 'Called by GET on every attributed install; macros such as `{click_id}` are filled, URL-encoded. `null` clears it.' })
  @IsOptional() @IsUrlTemplate(['http', 'https']) installPostbackUrl?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Called by GET on attributed events named in `postbackEvents`.' })
  @IsOptional() @IsUrlTemplate(['http', 'https']) eventPostbackUrl?: string | null;
  @ApiPropertyOptional({ type: 'array', maxItems: 200, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$' }, example: ['purchase'] })
  @Optional() @IsArray() @ArrayMaxSize(200) @ArrayUnique() @IsString({ each: true }) @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, { each: true })
  postbackEvents?: string[];
  /**
   * The network drops a repeated postback for the same click id. Only then is a postback whose attempt was
   * interrupted (worker crash, deadline after sending) sent again; otherwise it becomes `unknown`. Default false.
   */
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'The network drops a repeated postback for the same click id: only then is an interrupted attempt sent again (otherwise it becomes `unknown`).' })
  @Optional() @IsBoolean() dedupesClickId?: boolean;
}

export class UpdateNetworkDto extends PartialType(CreateNetworkDto, { skipNullProperties: false }) {}

export class NetworkView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) installPostbackUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) eventPostbackUrl!: string | null;
  @ApiProperty({ type: [String] }) postbackEvents!: string[];
  @ApiProperty() dedupesClickId!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

export class NetworksPage {
  @ApiProperty({ type: [NetworkView] }) items!: NetworkView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
