// What ingestion checks a hit against (campaigns, apps), read through its in-memory catalog cache.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '../sql';

export interface CampaignRow {
  id: string;
  appId: string;
  status: 'active' | 'paused' | 'archived';
  destinationUrl: string;
}

export interface TrackedAppRow {
  id: string;
  sdkSecret: string;
  pixelEvents: string[] | null;
}

@Injectable()
export class CatalogRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Campaigns by id, as the tracking links need them; ids with no campaign are absent from the map. One statement
   * for many ids: a flood of made-up ids (each a cache miss) reaches PostgreSQL in batches, not one query per hit.
   */
  async campaigns(ids: readonly string[]): Promise<Map<string, CampaignRow>> {
    const rows = await rowsOf<{ id: string; app_id: string; status: CampaignRow['status']; destination_url: string }>(
      this.db,
      'SELECT id, app_id, status, destination_url FROM campaigns WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, appId: r.app_id, status: r.status, destinationUrl: r.destination_url }]));
  }

  /** Apps by id, as the pixel and the signature check need them; ids with no app are absent from the map. */
  async apps(ids: readonly string[]): Promise<Map<string, TrackedAppRow>> {
    const rows = await rowsOf<{ id: string; sdk_secret: string; pixel_events: string[] | null }>(
      this.db,
      'SELECT id, sdk_secret, pixel_events FROM apps WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, sdkSecret: r.sdk_secret, pixelEvents: r.pixel_events }]));
  }
}
