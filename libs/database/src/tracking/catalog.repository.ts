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

  /** A campaign as the tracking links need it, or undefined. */
  async campaign(id: string): Promise<CampaignRow | undefined> {
    const [r] = await rowsOf<{ id: string; app_id: string; status: CampaignRow['status']; destination_url: string }>(
      this.db,
      'SELECT id, app_id, status, destination_url FROM campaigns WHERE id = $1',
      [id],
    );
    return r && { id: r.id, appId: r.app_id, status: r.status, destinationUrl: r.destination_url };
  }

  /** An app as the pixel and the signature check need it, or undefined. */
  async app(id: string): Promise<TrackedAppRow | undefined> {
    const [r] = await rowsOf<{ id: string; sdk_secret: string; pixel_events: string[] | null }>(
      this.db,
      'SELECT id, sdk_secret, pixel_events FROM apps WHERE id = $1',
      [id],
    );
    return r && { id: r.id, sdkSecret: r.sdk_secret, pixelEvents: r.pixel_events };
  }
}
