import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { GroupCommitWriter, namedQuery, type InstallStatus } from '@app/database';
import { invalid, normalizeDevice, normalizeUserAgent, uuidv7 } from '@app/domain';
import { CountryLookup, isDependencyDown, metrics } from '@app/http';
import { ATTRIBUTE_INSTALL_JOB, ATTRIBUTION_QUEUE, enqueueBulkAfterCommit } from '@app/queues';
import type { InstallDto } from './install.dto';

interface InstallRow {
  id: string;
  appId: string;
  installId: string;
  installedAt: Date;
  gaid: string | null;
  idfa: string | null;
  idfv: string | null;
  androidId: string | null;
  ip: string | null;
  userAgent: string | null;
  uaKey: string | null;
  referrer: string | null;
  consentAttribution: boolean | null;
  consentRetargeting: boolean | null;
  customerUserId: string | null;
}

export interface Accepted {
  id: string;
  status: InstallStatus;
  created: boolean;
}

/** An install may be reported late (offline devices) but not from the future beyond clock skew. */
const MAX_FUTURE_MS = 10 * 60_000;

@Injectable()
export class InstallsService implements OnApplicationShutdown {
  private readonly writer: GroupCommitWriter<InstallRow, Accepted>;

  constructor(
    private readonly db: DataSource,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attribution: Queue,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    private readonly countries: CountryLookup,
  ) {
    this.writer = new GroupCommitWriter(
      (rows) => this.insert(rows),
      {
        maxRows: config.groupCommitMaxRows,
        maxInFlight: 3,
        afterCommit: (rows, results) => this.enqueue(rows, results),
        retryAlone: (err) => !isDependencyDown(err),
      },
      ({ rows, ms }) => {
      metrics.batchRows.observe({ table: 'installs' }, rows);
      metrics.batchSeconds.observe({ table: 'installs' }, ms / 1000);
      },
    );
  }

  /**
   * One `addBulk` per committed batch asks the worker to attribute the new installs. The callers are answered
   * without waiting on Redis: the installs are committed, and the reconciler offers any pending one Redis missed.
   */
  private enqueue(rows: InstallRow[], results: Accepted[]): void {
    const jobs = rows.flatMap((r, i) => (results[i].created ? [{ jobId: results[i].id, data: { installId: results[i].id, appId: r.appId } }] : []));
    if (jobs.length === 0) return;
    void enqueueBulkAfterCommit(this.attribution, ATTRIBUTE_INSTALL_JOB, jobs).then((queued) => {
      if (!queued) metrics.enqueueFailures.inc({ queue: ATTRIBUTION_QUEUE }, jobs.length);
    });
  }

  /** Commits the install (or finds the one already sent with this installId), then asks for attribution. */
  async accept(dto: InstallDto, request: { ip: string | undefined; userAgent: string | undefined }): Promise<Accepted> {
    const installedAt = new Date(dto.installedAt);
    if (installedAt.getTime() > Date.now() + MAX_FUTURE_MS) {
      throw invalid('installed_at_in_future', 'installedAt is in the future.', 'installedAt');
    }
    const device = normalizeDevice(dto.device);
    const userAgent = (dto.userAgent ?? request.userAgent ?? '').slice(0, 1024) || null;
    const appId = dto.appId.toLowerCase();
    const accepted = await this.writer.write({
      id: uuidv7(),
      appId,
      installId: dto.installId,
      installedAt,
      gaid: device.gaid ?? null,
      idfa: device.idfa ?? null,
      idfv: device.idfv ?? null,
      androidId: device.androidId ?? null,
      ip: dto.ip ?? request.ip ?? null,
      userAgent,
      uaKey: normalizeUserAgent(userAgent) ?? null,
      referrer: dto.referrer ?? null,
      consentAttribution: dto.consent?.attribution ?? null,
      consentRetargeting: dto.consent?.retargeting ?? null,
      customerUserId: dto.customerUserId ?? null,
    });
    if (accepted.created) metrics.installs.inc();
    return accepted;
  }

  private async insert(rows: InstallRow[]): Promise<Accepted[]> {
    const inserted = await namedQuery<{ id: string; app_id: string; install_id: string }>(
      this.db,
      'lb_insert_installs',
      `INSERT INTO installs (id, app_id, install_id, installed_at, gaid, idfa, idfv, android_id, ip, user_agent, ua_key,
                             referrer, consent_attribution, consent_retargeting, country, customer_user_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::inet[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::boolean[],
                            $15::text[], $16::text[])
       ON CONFLICT (app_id, install_id) DO NOTHING
       RETURNING id, app_id, install_id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.appId),
        rows.map((r) => r.installId),
        rows.map((r) => r.installedAt),
        rows.map((r) => r.gaid),
        rows.map((r) => r.idfa),
        rows.map((r) => r.idfv),
        rows.map((r) => r.androidId),
        rows.map((r) => r.ip),
        rows.map((r) => r.userAgent),
        rows.map((r) => r.uaKey),
        rows.map((r) => r.referrer),
        rows.map((r) => r.consentAttribution),
        rows.map((r) => r.consentRetargeting),
        rows.map((r) => this.countries.country(r.ip)),
        rows.map((r) => r.customerUserId),
      ],
    );
    const createdIds = new Set(inserted.map((r) => r.id));
    const key = (r: InstallRow) => `${r.appId}\u0000${r.installId}`;
    // The same installId twice in this statement: the later row answers with the earlier one's id, even when the
    // database dropped that row in the statement (an erased person's install is answered but never stored).
    const firstInBatch = new Map<string, InstallRow>();
    for (const r of rows) if (createdIds.has(r.id) && !firstInBatch.has(key(r))) firstInBatch.set(key(r), r);
    const missing = rows.map((r, n) => ({ r, n })).filter(({ r }) => !createdIds.has(r.id) && !firstInBatch.has(key(r)));
    const existing = new Map<number, { id: string; status: InstallStatus }>();
    if (missing.length > 0) {
      // A new statement sees rows that a concurrent batch committed while ours waited on the conflict.
      const found: { n: number; id: string; status: InstallStatus }[] = await this.db.query(
        `SELECT k.n, i.id, i.status
           FROM installs i
           JOIN unnest($1::int[], $2::uuid[], $3::text[]) AS k(n, app_id, install_id)
             ON i.app_id = k.app_id AND i.install_id = k.install_id`,
        [missing.map((m) => m.n), missing.map((m) => m.r.appId), missing.map((m) => m.r.installId)],
      );
      for (const f of found) existing.set(f.n, { id: f.id, status: f.status });
    }
    return rows.map((r, n) => {
      if (createdIds.has(r.id)) return { id: r.id, status: 'pending' as const, created: true };
      const twin = firstInBatch.get(key(r));
      if (twin) return { id: twin.id, status: 'pending' as const, created: false };
      const e = existing.get(n);
      if (!e) throw new Error(`install ${r.installId} neither inserted nor found`);
      // Our own id: an earlier attempt of this very request stored it (its batch failed after the commit, and the
      // row was written again alone). It is new to the client, so it is answered, and enqueued, as new.
      return { ...e, created: e.id === r.id };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}
