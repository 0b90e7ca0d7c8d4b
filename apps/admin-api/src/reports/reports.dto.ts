import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';

export class CampaignReportQuery {
  @IsUUID() appId!: string;
  /** [from, to) in UTC; days are UTC days. */
  @IsISO8601({ strict: true }) from!: string;
  @IsISO8601({ strict: true }) to!: string;
  /** `day` (default): a row per UTC day and campaign; `total`: a row per campaign over the whole range. */
  @IsOptional() @IsIn(['day', 'total']) groupBy?: 'day' | 'total';
}
