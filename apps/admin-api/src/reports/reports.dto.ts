import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, ValidateNested } from 'class-validator';
import type { ReportGrouping } from '@app/database';
import { IsInstant } from '../common/fields';

const GROUPINGS: ReportGrouping[] = ['day', 'campaign', 'network', 'country', 'total'];

/** An app and a UTC range [from, to): what every report is asked for. */
class AppRangeQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  appId!: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsInstant()
  from!: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-08T00:00:00Z' })
  @IsInstant()
  to!: string;
}

/** Reports are by whole UTC days: a day is in the report when it overlaps [from, to). */
export class CampaignReportQuery extends AppRangeQuery {
  /**
   * `day` (default): a row per UTC day and campaign; `campaign`: per campaign over the range; `network`: per ad
   * network; `country`: per country; `total`: one row. A key the grouping drops is `null`.
   */
  @ApiPropertyOptional({ enum: GROUPINGS, default: 'day' })
  @IsOptional()
  @IsIn(GROUPINGS)
  groupBy?: ReportGrouping;
}

export class ReportRowView {
  @ApiProperty({ type: String, nullable: true, example: '2026-12-01' }) date!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: '`null` on the organic row or when dropped.' })
  campaignId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) networkId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'DE', description: 'ISO 3166-1 alpha-2; `null`: unknown or dropped.' })
  country!: string | null;
  @ApiProperty() clicks!: number;
  @ApiProperty() impressions!: number;
  @ApiProperty({ description: 'Attributed installs.' }) installs!: number;
  @ApiProperty({ description: 'Installs rejected (click injection and other fraud rules), kept apart.' }) rejected!: number;
  @ApiProperty() organic!: number;
  @ApiProperty() events!: number;
  @ApiProperty({ description: 'Revenue of the events in USD (refunds subtract), converted on arrival.' }) revenueUsd!: number;
  @ApiProperty({ type: Number, nullable: true, description: "Imported cost for the day, else installs × costPerInstall." })
  spend!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'spend / installs' }) ecpi!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'revenueUsd / spend' }) roas!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'installs / clicks' }) conversionRate!: number | null;
}

export class CampaignReportView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: GROUPINGS }) groupBy!: ReportGrouping;
  @ApiProperty({ type: [ReportRowView] }) rows!: ReportRowView[];
}

/** Install days overlapping [from, to), UTC. */
export class CohortQuery extends AppRangeQuery {
  /** Comma list of day marks, 0–365, at most 12: D0 is the first 24 h after each install. */
  @ApiPropertyOptional({ example: '0,1,7,30', default: '0,1,7,30' })
  @IsOptional()
  @Matches(/^\d{1,3}(,\d{1,3}){0,11}$/, { message: 'days must be a comma list of whole days, e.g. 0,1,7,30' })
  days?: string;
}

export class CohortRowView {
  @ApiProperty({ example: '2026-12-01' }) installDate!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: '`null`: organic installs.' }) campaignId!: string | null;
  @ApiProperty() installs!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { d0: '12.40', d1: '15.00', d7: '31.20', d30: '40.10' },
    description: 'Cumulative USD revenue of the cohort by each day mark.',
  })
  revenueUsd!: Record<string, string>;
}

export class CohortReportView {
  @ApiProperty({ format: 'uuid' }) appId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [Number], example: [0, 1, 7, 30] }) days!: number[];
  @ApiProperty({ type: [CohortRowView] }) rows!: CohortRowView[];
}

export class CostDto {
  @ApiProperty({ example: '2026-12-01', description: 'A UTC day.' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a day as YYYY-MM-DD' })
  date!: string;

  /** Checked by the service (a decimal string or number ≥ 0, at most 6 decimals); `null` removes the import. */
  @ApiProperty({ oneOf: [{ type: 'string', example: '120.50' }, { type: 'number' }], nullable: true })
  @Allow()
  amount!: unknown;

  @ApiProperty({ example: 'USD', description: 'ISO 4217; converted with the FX table at import.' })
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' })
  currency!: string;
}

export class PutCostsDto {
  @ApiProperty({ type: [CostDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(366)
  @ValidateNested({ each: true })
  @Type(() => CostDto)
  costs!: CostDto[];
}

export class CostView {
  @ApiProperty({ example: '2026-12-01' }) date!: string;
  @ApiProperty({ example: '120.5' }) amount!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: '130.14' }) amountUsd!: string;
}

export class CostsView {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ type: [CostView], description: 'The imported costs of the days sent (removed days are left out).' })
  costs!: CostView[];
}
