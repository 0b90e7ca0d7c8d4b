import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AttributionInputsRepository, AttributionReplayer, ReplayRunsRepository, type ReplayRun } from '@app/database';
import { canSee, invalid, isUuid, notFound, uuidv7, type AppScope, type DecisionOverrides } from '@app/domain';
import { ATTRIBUTION_QUEUE, REPLAY_APPLY_JOB, enqueueAfterCommit } from '@app/queues';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { WindowOverridesDto, type ReplayDto } from './replay.dto';

const MAX_RANGE_DAYS = 93;
const DEFAULT_LIMIT = 10_000;

/**
 * "What if our lookback were 3 days?" — re-decides an app's installs in a time range with the current or
 * overridden settings, through the same batch loader and decision function as the worker. A dry run is answered
 * at once (bounded by `limit`); an applied run is a worker job on the attribution batch path, whose progress and
 * result `GET /v1/attribution/replay/{id}` shows.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly inputs: AttributionInputsRepository,
    private readonly replayer: AttributionReplayer,
    private readonly runs: ReplayRunsRepository,
    @InjectQueue(ATTRIBUTION_QUEUE) private readonly attribution: Queue,
  ) {}

  async replay(dto: ReplayDto) {
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (!(from < to)) throw invalid('invalid_range', '`from` must be before `to`.', 'to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
      throw invalid('invalid_range', `Replay at most ${MAX_RANGE_DAYS} days at a time.`, 'to');
    }
    for (const [id, windows] of Object.entries(dto.overrides?.campaigns ?? {})) {
      const field = `overrides.campaigns.${id}`;
      if (!isUuid(id)) throw invalid('invalid_field', 'Campaign overrides are keyed by campaign id.', field);
      // A plain record is not walked by the validation pipe: check each entry as the DTO it is.
      const errors =
        windows !== null && typeof windows === 'object'
          ? validateSync(plainToInstance(WindowOverridesDto, windows), { whitelist: true, forbidNonWhitelisted: true })
          : [];
      if (windows === null || typeof windows !== 'object' || errors.length > 0) {
        const first = errors[0];
        throw invalid(
          'invalid_field',
          first?.constraints ? Object.values(first.constraints)[0] : 'Each campaign override must be an object of windows.',
          first ? `${field}.${first.property}` : field,
        );
      }
    }
    const settings = await this.inputs.settings(dto.appId);
    if (!settings) throw notFound('app', 'appId');
    const limit = dto.limit ?? DEFAULT_LIMIT;
    if (dto.apply) {
      const run = await this.runs.create(uuidv7(), {
        appId: dto.appId,
        from: from.toISOString(),
        to: to.toISOString(),
        overrides: (dto.overrides as Record<string, unknown> | undefined) ?? null,
        limit,
        sendOwedPostbacks: dto.sendOwedPostbacks === true,
      });
      // The run is committed: if Redis does not take the job now, the worker's reconciler offers it again.
      await enqueueAfterCommit(this.attribution, REPLAY_APPLY_JOB, { runId: run.id, appId: run.appId }, run.id);
      return { accepted: true as const, body: this.view(run) };
    }
    const report = await this.replayer.run(
      { appId: dto.appId, from, to, overrides: dto.overrides as DecisionOverrides | undefined, limit, apply: false, sendOwedPostbacks: false },
      settings,
    );
    return {
      accepted: false as const,
      body: {
        appId: dto.appId,
        from: from.toISOString(),
        to: to.toISOString(),
        dryRun: true,
        overrides: dto.overrides ?? null,
        ...report,
      },
    };
  }

  async get(id: string, scope: AppScope) {
    const run = await this.runs.get(id);
    if (!run || !canSee(scope, run.appId)) throw notFound('replay');
    return this.view(run);
  }

  private view(run: ReplayRun) {
    return {
      id: run.id,
      jobId: run.id,
      appId: run.appId,
      status: run.status,
      processed: run.processed,
      params: run.params,
      result: run.result,
      error: run.error,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
    };
  }
}
