// Shapes shared by the OpenAPI document of every admin route.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetail {
  @ApiProperty({ example: 'campaign_not_found' }) code!: string;
  @ApiProperty({ example: 'No campaign with that id.' }) message!: string;
  @ApiPropertyOptional({ example: 'campaignId' }) field?: string;
}

export class ErrorResponse {
  @ApiProperty({ type: ErrorDetail }) error!: ErrorDetail;
}
