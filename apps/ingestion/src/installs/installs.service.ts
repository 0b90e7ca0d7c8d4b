import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { GroupCommitWriter, InstallsRepository, type AppendedInstall, type NewInstall } from '@app/database';
import { invalid, normalizeDevice, normalizeUserAgent, uuidv7 } from '@app/domain';
import { CountryLookup, isDependencyDown, metrics } from '@app/http';
import { ATTRIBUTE_INSTALL_JOB, ATTRIBUTION_QUEUE, enqueueBulkAfterCommit } from '@app/queues';
import type { InstallInput } from './install.dto';

export type Accepted = AppendedInstall;

/** An install may be reported late (offline devices) but not from the future beyond clock skew. */
const MAX_FUTURE_MS = 10 * 60_000;

@Injectable()
export class InstallsService implements OnApplicationShutdown {
  private readonly writer: GroupCommitWriter<NewInstall, Accepted>;

  constructor(
    private readonly installs: InstallsRepository,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attribution: Queue,
    @Inject(LOOKBACK_CONFIG) config: LookbackConfig,
    private readonly countries: CountryLookup,
  ) {
    this.writer = new GroupCommitWriter(
      (rows) => this.installs.append(rows),
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
  private enqueue(rows: NewInstall[], results: Accepted[]): void {
    const jobs = rows.flatMap((r, i) => (results[i].created ? [{ jobId: results[i].id, data: { installId: results[i].id, appId: r.appId } }] : []));
    if (jobs.length === 0) return;
    void enqueueBulkAfterCommit(this.attribution, ATTRIBUTE_INSTALL_JOB, jobs).then((queued) => {
      if (!queued) metrics.enqueueFailures.inc({ queue: ATTRIBUTION_QUEUE }, jobs.length);
    });
  }

  /** Commits the install (or finds the one already sent with this installId), then asks for attribution. */
  async accept(dto: InstallInput, request: { ip: string | undefined; userAgent: string | undefined }): Promise<Accepted> {
    const installedAt = new Date(dto.installedAt);
    if (installedAt.getTime() > Date.now() + MAX_FUTURE_MS) {
      throw invalid('installed_at_in_future', 'installedAt is in the future.', 'installedAt');
    }
    const device = normalizeDevice(dto.device);
    const userAgent = (dto.userAgent ?? request.userAgent ?? '').slice(0, 1024) || null;
    const appId = dto.appId.toLowerCase();
    const ip = dto.ip ?? request.ip ?? null;
    const accepted = await this.writer.write({
      id: uuidv7(),
      appId,
      installId: dto.installId,
      installedAt,
      gaid: device.gaid ?? null,
      idfa: device.idfa ?? null,
      idfv: device.idfv ?? null,
      androidId: device.androidId ?? null,
      ip,
      userAgent,
      uaKey: normalizeUserAgent(userAgent) ?? null,
      referrer: dto.referrer ?? null,
      consentAttribution: dto.consent?.attribution ?? null,
      consentRetargeting: dto.consent?.retargeting ?? null,
      country: this.countries.country(ip),
      customerUserId: dto.customerUserId ?? null,
    });
    if (accepted.created) metrics.installs.inc();
    return accepted;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }
}
