// Audiences: their rows, their members, and the facts a member is evaluated on. All of the feature's SQL.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  scopeParam,
  changeSets,
  uuidv7,
  webhookBody,
  type AppScope,
  type AudienceRule,
  type ChangeSet,
  type ConsentSignal,
  type DeviceIds,
  type MemberEvent,
  type MemberIdentity,
  type MemberInstall,
  type PersonFacts,
} from '@app/domain';
import { rowsOf, type Queryable } from '../sql';

export interface AudienceRow {
  id: string;
  appId: string;
  name: string;
  rule: AudienceRule;
  webhookUrl: string;
  webhookSecret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  backfillQueued: number;
  backfillStartedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRow {
  memberKey: string;
  customerUserId: string | null;
  device: MemberIdentity['device'];
  enteredAt: Date;
}

/** A person of an app, as `memberKey` names them (`u:<customerUserId>` or `i:<installId>`). */
export interface PersonRef {
  appId: string;
  memberKey: string;
}

export interface DirtyRow extends PersonRef {
  /** Null: every audience of the app; else that audience alone (a back-fill). */
  audienceId: string | null;
}

export interface MembershipChange extends PersonRef {
  audienceId: string;
  identity: MemberIdentity;
}

/** What facts to load: the event names the rules look at, and the earliest event time any window reaches. */
export interface FactsWanted {
  eventNames: string[];
  since: Date | null;
}

const AUDIENCE_COLUMNS = `id, app_id, name, rule, webhook_url, webhook_secret, previous_secret, previous_secret_until,
  backfill_queued, backfill_started_at, created_at, updated_at`;

interface AudienceDbRow {
  id: string;
  app_id: string;
  name: string;
  rule: AudienceRule;
  webhook_url: string;
  webhook_secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  backfill_queued: string;
  backfill_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const audienceOf = (r: AudienceDbRow): AudienceRow => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  rule: r.rule,
  webhookUrl: r.webhook_url,
  webhookSecret: r.webhook_secret,
  previousSecret: r.previous_secret,
  previousSecretUntil: r.previous_secret_until,
  backfillQueued: Number(r.backfill_queued),
  backfillStartedAt: r.backfill_started_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const keyOf = (p: PersonRef) => `${p.appId}\u0000${p.memberKey}`;

/** Every person of an app: one per customerUserId, one per install without one, one per web-only user id. */
const PEOPLE_OF_APP = `
  SELECT DISTINCT CASE WHEN customer_user_id IS NOT NULL THEN 'u:' || customer_user_id ELSE 'i:' || install_id END AS member_key
    FROM installs WHERE app_id = $1
  UNION
  SELECT DISTINCT 'u:' || user_id FROM events WHERE app_id = $1 AND user_id IS NOT NULL`;

@Injectable()
export class AudiencesRepository {
  constructor(private readonly db: DataSource) {}

  /** A worker's evaluation batch: the methods that take `tx` run in it and commit together (or not at all). */
  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ------------------------------------------------------------------------------------------------------------
  // The audience rows (admin API)

  /** Creates the audience and queues every person of the app for it (the back-fill), in one transaction. */
  async create(a: { id: string; appId: string; name: string; rule: AudienceRule; webhookUrl: string; webhookSecret: string }): Promise<AudienceRow> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO audiences (id, app_id, name, rule, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4, $5, $6)`,
        [a.id, a.appId, a.name, JSON.stringify(a.rule), a.webhookUrl, a.webhookSecret],
      );
      await this.queueBackfill(tx, a.appId, a.id);
      return (await this.findIn(tx, a.id))!;
    });
  }

  async find(id: string): Promise<AudienceRow | undefined> {
    return this.findIn(this.db, id);
  }

  private async findIn(db: Queryable, id: string): Promise<AudienceRow | undefined> {
    const rows = await rowsOf<AudienceDbRow>(db, `SELECT ${AUDIENCE_COLUMNS} FROM audiences WHERE id = $1`, [id]);
    return rows[0] ? audienceOf(rows[0]) : undefined;
  }

  async list(scope: AppScope, q: { appId?: string; cursor?: string; limit: number }): Promise<AudienceRow[]> {
    const rows = await rowsOf<AudienceDbRow>(
      this.db,
      `SELECT ${AUDIENCE_COLUMNS} FROM audiences
        WHERE ($1::uuid[] IS NULL OR app_id = ANY($1::uuid[])) AND ($2::uuid IS NULL OR app_id = $2)
          AND ($3::uuid IS NULL OR id > $3)
        ORDER BY id LIMIT $4`,
      [scopeParam(scope), q.appId ?? null, q.cursor ?? null, q.limit],
    );
    return rows.map(audienceOf);
  }

  /** A new rule re-evaluates every person of the app and every current member for this audience. */
  async update(id: string, patch: { name?: string; rule?: AudienceRule; webhookUrl?: string }): Promise<AudienceRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await rowsOf<{ app_id: string }>(
        tx,
        `UPDATE audiences SET name = coalesce($2, name), rule = coalesce($3::jsonb, rule), webhook_url = coalesce($4, webhook_url),
                updated_at = now()
          WHERE id = $1 RETURNING app_id`,
        [id, patch.name ?? null, patch.rule ? JSON.stringify(patch.rule) : null, patch.webhookUrl ?? null],
      );
      if (patch.rule && row) await this.queueBackfill(tx, row.app_id, id);
      // A partner's new endpoint takes the calls not sent yet too (retries of failed ones included).
      if (patch.webhookUrl && row) {
        await tx.query(
          `UPDATE deliveries SET url = $3 WHERE app_id = $1 AND audience_id = $2 AND kind = 'webhook' AND status IN ('pending', 'failed')`,
          [row.app_id, id, patch.webhookUrl],
        );
      }
      return (await this.findIn(tx, id))!;
    });
  }

  private async queueBackfill(tx: EntityManager, appId: string, audienceId: string): Promise<void> {
    await tx.query(`DELETE FROM audience_dirty WHERE app_id = $2 AND audience_id = $1`, [audienceId, appId]);
    const [{ n }] = await rowsOf<{ n: number }>(
      tx,
      `WITH people AS (${PEOPLE_OF_APP}
               UNION SELECT member_key FROM audience_members WHERE app_id = $1 AND audience_id = $2),
            queued AS (INSERT INTO audience_dirty (app_id, member_key, audience_id) SELECT $1, member_key, $2 FROM people RETURNING 1)
       SELECT count(*)::int AS n FROM queued`,
      [appId, audienceId],
    );
    await tx.query(`UPDATE audiences SET backfill_queued = $2, backfill_started_at = now() WHERE app_id = $3 AND id = $1`, [audienceId, n, appId]);
  }

  /** Per audience: its current members, and the people its back-fill has still to evaluate. One statement for a page. */
  async counts(audiences: readonly { id: string; appId: string }[]): Promise<Map<string, { members: number; backfillLeft: number }>> {
    if (audiences.length === 0) return new Map();
    const rows = await rowsOf<{ id: string; members: number; backfill_left: number }>(
      this.db,
      `SELECT a.id,
              (SELECT count(*)::int FROM audience_members m WHERE m.app_id = a.app_id AND m.audience_id = a.id) AS members,
              (SELECT count(*)::int FROM audience_dirty d WHERE d.app_id = a.app_id AND d.audience_id = a.id) AS backfill_left
         FROM unnest($1::uuid[], $2::uuid[]) AS a(id, app_id)`,
      [audiences.map((a) => a.id), audiences.map((a) => a.appId)],
    );
    return new Map(rows.map((r) => [r.id, { members: r.members, backfillLeft: r.backfill_left }]));
  }

  /**
   * Deletes the audience with its members and its webhooks not yet sent (nobody is left to sign them). Its
   * members get no exit webhook: the partner is told by the audience's removal on its side.
   */
  async remove(appId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM audience_dirty WHERE app_id = $2 AND audience_id = $1`, [id, appId]);
      await tx.query(`DELETE FROM audience_members WHERE app_id = $1 AND audience_id = $2`, [appId, id]);
      await tx.query(
        `DELETE FROM deliveries WHERE app_id = $1 AND audience_id = $2 AND kind = 'webhook' AND status IN ('pending', 'failed')`,
        [appId, id],
      );
      await tx.query(`DELETE FROM audiences WHERE app_id = $1 AND id = $2`, [appId, id]);
    });
  }

  /** The old secret keeps signing beside the new one until `previousUntil`. */
  async rotateSecret(id: string, secret: string, previousUntil: Date): Promise<AudienceRow | undefined> {
    await this.db.query(
      `UPDATE audiences SET previous_secret = webhook_secret, previous_secret_until = $3, webhook_secret = $2, updated_at = now()
        WHERE id = $1`,
      [id, secret, previousUntil],
    );
    return this.find(id);
  }

  /** The secrets that sign a webhook of this audience now: the current one, and the previous one while it lasts. */
  async signingSecrets(appId: string, id: string, now: Date): Promise<string[] | undefined> {
    const [row] = await rowsOf<{ webhook_secret: string; previous_secret: string | null; previous_secret_until: Date | null }>(
      this.db,
      `SELECT webhook_secret, previous_secret, previous_secret_until FROM audiences WHERE app_id = $1 AND id = $2`,
      [appId, id],
    );
    if (!row) return undefined;
    const previous = row.previous_secret && row.previous_secret_until && row.previous_secret_until > now ? [row.previous_secret] : [];
    return [row.webhook_secret, ...previous];
  }

  /** Members in key order; `after` is the last key of the previous page. */
  async members(appId: string, id: string, after: string | null, limit: number): Promise<MemberRow[]> {
    const rows = await rowsOf<{ member_key: string; customer_user_id: string | null; device: MemberIdentity['device']; entered_at: Date }>(
      this.db,
      `SELECT member_key, customer_user_id, device, entered_at FROM audience_members
        WHERE app_id = $1 AND audience_id = $2 AND ($3::text IS NULL OR member_key > $3)
        ORDER BY member_key LIMIT $4`,
      [appId, id, after, limit],
    );
    return rows.map((r) => ({ memberKey: r.member_key, customerUserId: r.customer_user_id, device: r.device, enteredAt: r.entered_at }));
  }

  /** People of the app in key order, for a preview that evaluates them page by page. */
  async people(appId: string, after: string | null, limit: number): Promise<string[]> {
    const rows = await rowsOf<{ member_key: string }>(
      this.db,
      `SELECT member_key FROM (${PEOPLE_OF_APP}) p WHERE $2::text IS NULL OR member_key > $2 ORDER BY member_key LIMIT $3`,
      [appId, after, limit],
    );
    return rows.map((r) => r.member_key);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Evaluation (the worker)

  /** The audiences of these apps, for one batch. */
  async audiencesOf(db: Queryable, appIds: string[]): Promise<AudienceRow[]> {
    if (appIds.length === 0) return [];
    const rows = await rowsOf<AudienceDbRow>(db, `SELECT ${AUDIENCE_COLUMNS} FROM audiences WHERE app_id = ANY($1::uuid[])`, [appIds]);
    return rows.map(audienceOf);
  }

  /**
   * Takes up to `limit` people to re-evaluate, deleting their rows inside the caller's transaction: a crash before
   * commit puts them back. SKIP LOCKED lets several workers drain the table side by side.
   */
  async claimDirty(tx: EntityManager, limit: number): Promise<DirtyRow[]> {
    const rows = await rowsOf<{ app_id: string; member_key: string; audience_id: string | null }>(
      tx,
      `DELETE FROM audience_dirty d USING (
         SELECT app_id, id FROM audience_dirty ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) c
        WHERE d.app_id = c.app_id AND d.id = c.id
        RETURNING d.app_id, d.member_key, d.audience_id`,
      [limit],
    );
    return rows.map((r) => ({ appId: r.app_id, memberKey: r.member_key, audienceId: r.audience_id }));
  }

  /** Moves people whose answer changes by itself before `now` to the dirty table (all their audiences); answers how many. */
  async wakeDue(now: Date, limit: number): Promise<number> {
    const rows = await rowsOf<{ n: number }>(
      this.db,
      `WITH due AS (
         DELETE FROM audience_wakeups w USING (
           SELECT app_id, member_key FROM audience_wakeups WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) c
          WHERE w.app_id = c.app_id AND w.member_key = c.member_key
          RETURNING w.app_id, w.member_key),
       queued AS (INSERT INTO audience_dirty (app_id, member_key) SELECT app_id, member_key FROM due RETURNING 1)
       SELECT count(*)::int AS n FROM queued`,
      [now, limit],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * An `i:<installId>` key names the install's person: its customerUserId's when the install carries one (an SDK
   * event sent with the installId only). Answers the keys as they should be evaluated.
   */
  async resolvePeople(tx: Queryable, people: PersonRef[]): Promise<Map<string, string>> {
    const byInstall = people.filter((p) => p.memberKey.startsWith('i:'));
    const out = new Map<string, string>();
    if (byInstall.length === 0) return out;
    const rows = await rowsOf<{ app_id: string; install_id: string; customer_user_id: string }>(
      tx,
      `SELECT i.app_id, i.install_id, i.customer_user_id FROM installs i
         JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, install_id) ON i.app_id = k.app_id AND i.install_id = k.install_id
        WHERE i.customer_user_id IS NOT NULL`,
      [byInstall.map((p) => p.appId), byInstall.map((p) => p.memberKey.slice(2))],
    );
    for (const r of rows) out.set(`${r.app_id}\u0000i:${r.install_id}`, `u:${r.customer_user_id}`);
    return out;
  }

  /**
   * Serializes evaluations of the same person across workers for the rest of the transaction (locks taken in one
   * order, so two batches cannot deadlock). Facts read after it include everything committed before.
   */
  async lockPeople(tx: EntityManager, people: PersonRef[]): Promise<void> {
    if (people.length === 0) return;
    await tx.query(
      `SELECT count(pg_advisory_xact_lock(h)) FROM (
         SELECT DISTINCT hashtextextended(app_id::text || ':' || member_key, 7) AS h
           FROM unnest($1::uuid[], $2::text[]) AS k(app_id, member_key) ORDER BY 1) s`,
      [people.map((p) => p.appId), people.map((p) => p.memberKey)],
    );
  }

  /**
   * The facts of each person: their installs (attributed campaign, install time, consent, device), their events of
   * the wanted names inside the widest window, and every consent signal. Four indexed queries for the batch.
   */
  async facts(people: PersonRef[], wanted: FactsWanted, db: Queryable = this.db): Promise<Map<string, PersonFacts>> {
    const out = new Map<string, PersonFacts & { installIds: Set<string>; latestInstall: number }>();
    for (const p of people) {
      const cuid = p.memberKey.startsWith('u:') ? p.memberKey.slice(2) : undefined;
      out.set(keyOf(p), {
        installs: [],
        events: [],
        consent: [],
        identity: { device: {}, ...(cuid !== undefined ? { customerUserId: cuid } : {}) },
        installIds: new Set(),
        latestInstall: -Infinity,
      });
    }
    if (people.length === 0) return out;
    const users = people.filter((p) => p.memberKey.startsWith('u:'));
    const singles = people.filter((p) => p.memberKey.startsWith('i:'));
    type InstallDb = {
      app_id: string; install_id: string; customer_user_id: string | null; installed_ms: number; campaign_id: string | null;
      consent_retargeting: boolean | null; gaid: string | null; idfa: string | null; idfv: string | null; android_id: string | null;
    };
    const installCols = `i.app_id, i.install_id, i.customer_user_id, (extract(epoch FROM i.installed_at) * 1000)::float8 AS installed_ms,
      CASE WHEN i.status = 'attributed' THEN i.campaign_id END AS campaign_id, i.consent_retargeting, i.gaid, i.idfa, i.idfv, i.android_id`;
    const installs = [
      ...(users.length
        ? await rowsOf<InstallDb>(
            db,
            `SELECT ${installCols} FROM installs i JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, cuid)
               ON i.app_id = k.app_id AND i.customer_user_id = k.cuid`,
            [users.map((p) => p.appId), users.map((p) => p.memberKey.slice(2))],
          )
        : []),
      ...(singles.length
        ? await rowsOf<InstallDb>(
            db,
            `SELECT ${installCols} FROM installs i JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, install_id)
               ON i.app_id = k.app_id AND i.install_id = k.install_id
             WHERE i.customer_user_id IS NULL`,
            [singles.map((p) => p.appId), singles.map((p) => p.memberKey.slice(2))],
          )
        : []),
    ];
    const byInstallId = new Map<string, string>();
    for (const r of installs) {
      const key = `${r.app_id}\u0000${r.customer_user_id !== null ? `u:${r.customer_user_id}` : `i:${r.install_id}`}`;
      const person = out.get(key);
      if (!person) continue;
      (person.installs as MemberInstall[]).push({ installedAt: r.installed_ms, campaignId: r.campaign_id });
      if (r.consent_retargeting !== null) (person.consent as ConsentSignal[]).push({ at: r.installed_ms, retargeting: r.consent_retargeting });
      person.installIds.add(r.install_id);
      byInstallId.set(`${r.app_id}\u0000${r.install_id}`, key);
      if (r.installed_ms > person.latestInstall) {
        person.latestInstall = r.installed_ms;
        const device: DeviceIds = {};
        if (r.gaid) device.gaid = r.gaid;
        if (r.idfa) device.idfa = r.idfa;
        if (r.idfv) device.idfv = r.idfv;
        if (r.android_id) device.androidId = r.android_id;
        person.identity = { ...person.identity, device };
      }
    }
    type EventDb = { app_id: string; user_id: string | null; install_id: string | null; name: string; occurred_ms: number; micros: string | null; consent_retargeting: boolean | null };
    const eventCols = `e.app_id, e.user_id, e.install_id, e.name, (extract(epoch FROM e.occurred_at) * 1000)::float8 AS occurred_ms,
      round(e.revenue_usd * 1000000)::bigint AS micros, e.consent_retargeting`;
    const eventFilter = `((e.name = ANY($3::text[]) AND ($4::timestamptz IS NULL OR e.occurred_at >= $4)) OR e.consent_retargeting IS NOT NULL)`;
    const pairs = [...byInstallId.keys()].map((k) => k.split('\u0000'));
    const events = [
      ...(users.length
        ? await rowsOf<EventDb>(
            db,
            `SELECT ${eventCols} FROM events e JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, user_id)
               ON e.app_id = k.app_id AND e.user_id = k.user_id WHERE ${eventFilter}`,
            [users.map((p) => p.appId), users.map((p) => p.memberKey.slice(2)), wanted.eventNames, wanted.since],
          )
        : []),
      ...(pairs.length
        ? await rowsOf<EventDb>(
            db,
            `SELECT ${eventCols} FROM events e JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, install_id)
               ON e.app_id = k.app_id AND e.install_id = k.install_id WHERE e.user_id IS NULL AND ${eventFilter}`,
            [pairs.map(([a]) => a), pairs.map(([, i]) => i), wanted.eventNames, wanted.since],
          )
        : []),
    ];
    const names = new Set(wanted.eventNames);
    for (const e of events) {
      const key = e.user_id !== null ? `${e.app_id}\u0000u:${e.user_id}` : byInstallId.get(`${e.app_id}\u0000${e.install_id}`);
      const person = key === undefined ? undefined : out.get(key);
      if (!person) continue;
      if (names.has(e.name)) {
        (person.events as MemberEvent[]).push({ name: e.name, occurredAt: e.occurred_ms, revenueUsdMicros: e.micros === null ? null : Number(e.micros) });
      }
      if (e.consent_retargeting !== null) (person.consent as ConsentSignal[]).push({ at: e.occurred_ms, retargeting: e.consent_retargeting });
    }
    return out;
  }

  /** Current memberships of these people: `app\0key` → audience ids. */
  async membershipsOf(tx: Queryable, people: PersonRef[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (people.length === 0) return out;
    const rows = await rowsOf<{ app_id: string; member_key: string; audience_id: string }>(
      tx,
      `SELECT m.app_id, m.member_key, m.audience_id FROM audience_members m
         JOIN unnest($1::uuid[], $2::text[]) AS k(app_id, member_key) ON m.app_id = k.app_id AND m.member_key = k.member_key`,
      [people.map((p) => p.appId), people.map((p) => p.memberKey)],
    );
    for (const r of rows) {
      const k = `${r.app_id}\u0000${r.member_key}`;
      if (!out.has(k)) out.set(k, new Set());
      out.get(k)!.add(r.audience_id);
    }
    return out;
  }

  /** Entries that really happened (a row already there is no entry): the database decides, once. */
  async enter(tx: Queryable, changes: MembershipChange[], at: Date): Promise<MembershipChange[]> {
    if (changes.length === 0) return [];
    const rows = await rowsOf<{ app_id: string; audience_id: string; member_key: string }>(
      tx,
      `INSERT INTO audience_members (app_id, audience_id, member_key, customer_user_id, device, entered_at)
       SELECT app_id, audience_id, member_key, cuid, device, $6 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])
           AS t(app_id, audience_id, member_key, cuid, device)
       ON CONFLICT DO NOTHING
       RETURNING app_id, audience_id, member_key`,
      [
        changes.map((c) => c.appId),
        changes.map((c) => c.audienceId),
        changes.map((c) => c.memberKey),
        changes.map((c) => c.identity.customerUserId ?? null),
        changes.map((c) => JSON.stringify(c.identity.device)),
        at,
      ],
    );
    const done = new Set(rows.map((r) => `${r.app_id}\u0000${r.audience_id}\u0000${r.member_key}`));
    return changes.filter((c) => done.has(`${c.appId}\u0000${c.audienceId}\u0000${c.memberKey}`));
  }

  /** Exits that really happened, each with the identity the member entered with (what the partner knows). */
  async exit(tx: Queryable, leaving: { appId: string; audienceId: string; memberKey: string }[]): Promise<MembershipChange[]> {
    if (leaving.length === 0) return [];
    const rows = await rowsOf<{ app_id: string; audience_id: string; member_key: string; customer_user_id: string | null; device: MemberIdentity['device'] }>(
      tx,
      `DELETE FROM audience_members m USING unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(app_id, audience_id, member_key)
        WHERE m.app_id = k.app_id AND m.audience_id = k.audience_id AND m.member_key = k.member_key
        RETURNING m.app_id, m.audience_id, m.member_key, m.customer_user_id, m.device`,
      [leaving.map((c) => c.appId), leaving.map((c) => c.audienceId), leaving.map((c) => c.memberKey)],
    );
    return rows.map((r) => ({
      appId: r.app_id,
      audienceId: r.audience_id,
      memberKey: r.member_key,
      identity: { device: r.device, ...(r.customer_user_id !== null ? { customerUserId: r.customer_user_id } : {}) },
    }));
  }

  /**
   * When each person's answers next change by itself. `complete`: every audience of the app was evaluated, so the
   * instant replaces the stored one (null removes it); otherwise (a back-fill of one audience) it can only bring
   * the wake-up forward. Waking early costs one evaluation; waking late would miss an exit.
   */
  async schedule(tx: Queryable, wakeups: { appId: string; memberKey: string; dueAt: Date | null; complete: boolean }[]): Promise<void> {
    const upsert = async (rows: typeof wakeups, onConflict: string) => {
      if (rows.length === 0) return;
      await tx.query(
        `INSERT INTO audience_wakeups (app_id, member_key, due_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
         ON CONFLICT (app_id, member_key) DO UPDATE SET due_at = ${onConflict}`,
        [rows.map((w) => w.appId), rows.map((w) => w.memberKey), rows.map((w) => w.dueAt)],
      );
    };
    await upsert(wakeups.filter((w) => w.dueAt !== null && w.complete), 'excluded.due_at');
    await upsert(wakeups.filter((w) => w.dueAt !== null && !w.complete), 'LEAST(audience_wakeups.due_at, excluded.due_at)');
    const clear = wakeups.filter((w) => w.dueAt === null && w.complete);
    if (clear.length) {
      await tx.query(
        `DELETE FROM audience_wakeups w USING unnest($1::uuid[], $2::text[]) AS k(app_id, member_key)
          WHERE w.app_id = k.app_id AND w.member_key = k.member_key`,
        [clear.map((w) => w.appId), clear.map((w) => w.memberKey)],
      );
    }
  }

  /**
   * Writes the webhooks of these change sets to the outbox in the caller's transaction. `created_at` is the
   * moment of writing (clock_timestamp, after the people's locks), which orders one audience's calls.
   */
  async writeWebhooks(tx: Queryable, sets: { audience: Pick<AudienceRow, 'id' | 'appId' | 'webhookUrl'>; set: ChangeSet }[], at: Date): Promise<{ id: string; appId: string }[]> {
    if (sets.length === 0) return [];
    const ids = sets.map(() => uuidv7());
    await tx.query(
      `INSERT INTO deliveries (id, app_id, kind, subject_type, subject_id, method, url, body, audience_id, created_at, updated_at)
       SELECT id, app_id, 'webhook', 'audience', id, 'POST', url, body, audience_id, clock_timestamp(), now()
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[]) WITH ORDINALITY AS t(id, app_id, url, body, audience_id, n)
        ORDER BY n`,
      [
        ids,
        sets.map((s) => s.audience.appId),
        sets.map((s) => s.audience.webhookUrl),
        sets.map((s) => webhookBody(s.audience.id, s.audience.appId, s.set, at)),
        sets.map((s) => s.audience.id),
      ],
    );
    return ids.map((id, i) => ({ id, appId: sets[i].audience.appId }));
  }

  /** Groups changes by audience into webhook bodies of at most 1,000 members each, and writes them to the outbox. */
  async writeChangeWebhooks(
    tx: Queryable,
    audiences: Pick<AudienceRow, 'id' | 'appId' | 'webhookUrl'>[],
    entered: MembershipChange[],
    exited: MembershipChange[],
    at: Date,
  ): Promise<{ id: string; appId: string }[]> {
    const byId = new Map(audiences.map((a) => [a.id, a]));
    const ids = new Set([...entered, ...exited].map((c) => c.audienceId));
    const sets = [...ids].flatMap((id) =>
      changeSets(
        entered.filter((c) => c.audienceId === id).map((c) => c.identity),
        exited.filter((c) => c.audienceId === id).map((c) => c.identity),
      ).map((set) => ({ audience: byId.get(id)!, set })),
    );
    return this.writeWebhooks(tx, sets, at);
  }

  /** The oldest webhook of this audience still to send, once the one before it is done. */
  async nextWebhook(appId: string, audienceId: string): Promise<string | undefined> {
    const [row] = await rowsOf<{ id: string }>(
      this.db,
      `SELECT id FROM deliveries WHERE app_id = $1 AND audience_id = $2 AND kind = 'webhook' AND status = 'pending'
        ORDER BY created_at, id LIMIT 1`,
      [appId, audienceId],
    );
    return row?.id;
  }

  /** The people an erasure names: by customerUserId, and the installs any of the device ids is on. */
  async peopleNamed(tx: Queryable, appId: string, person: { device?: DeviceIds; customerUserId?: string }): Promise<string[]> {
    const d = person.device ?? {};
    const rows = await rowsOf<{ member_key: string }>(
      tx,
      `SELECT DISTINCT CASE WHEN customer_user_id IS NOT NULL THEN 'u:' || customer_user_id ELSE 'i:' || install_id END AS member_key
         FROM installs
        WHERE app_id = $1 AND (gaid = $2 OR idfa = $3 OR idfv = $4 OR android_id = $5 OR customer_user_id = $6)`,
      [appId, d.gaid ?? null, d.idfa ?? null, d.idfv ?? null, d.androidId ?? null, person.customerUserId ?? null],
    );
    const keys = new Set(rows.map((r) => r.member_key));
    if (person.customerUserId) keys.add(`u:${person.customerUserId}`);
    return [...keys];
  }

  /** Every membership of these people, for an exit from all of them (erasure). */
  async membershipsToEnd(tx: Queryable, appId: string, keys: string[]): Promise<{ appId: string; audienceId: string; memberKey: string }[]> {
    if (keys.length === 0) return [];
    await tx.query(`DELETE FROM audience_wakeups WHERE app_id = $1 AND member_key = ANY($2::text[])`, [appId, keys]);
    await tx.query(`DELETE FROM audience_dirty WHERE app_id = $1 AND member_key = ANY($2::text[])`, [appId, keys]);
    const rows = await rowsOf<{ audience_id: string; member_key: string }>(
      tx,
      `SELECT audience_id, member_key FROM audience_members WHERE app_id = $1 AND member_key = ANY($2::text[])`,
      [appId, keys],
    );
    return rows.map((r) => ({ appId, audienceId: r.audience_id, memberKey: r.member_key }));
  }
}
