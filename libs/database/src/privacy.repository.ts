// Erasure of one person of an app: their rows deleted everywhere, their identifiers suppressed (hashed).
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeviceIds } from '@app/domain';
import { rowsOf } from './sql';

export interface Person {
  device: DeviceIds;
  customerUserId?: string;
}

export interface Erased {
  clicks: number;
  impressions: number;
  installs: number;
  events: number;
  members: number;
  deliveries: number;
}

/** Ends the person's audience memberships inside the erasure transaction; audiences provide it. */
export type ExitHook = (tx: EntityManager, appId: string, person: { device?: DeviceIds; customerUserId?: string }) => Promise<number>;

const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== ''))];

@Injectable()
export class PrivacyRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * One transaction: suppress first (so rows arriving meanwhile are dropped by the insert triggers), then
   * delete. Events go before their installs (the cohort rollup reads an event's install when it leaves).
   * Identifiers found on the person's installs (their idfv, the client's installId) are suppressed as well.
   */
  async erase(appId: string, person: Person, exit?: ExitHook): Promise<Erased> {
    return this.db.transaction(async (tx) => {
      const d = person.device;
      const installs = await rowsOf<{
        id: string; install_id: string; touch_id: string | null; touch_kind: string | null;
        gaid: string | null; idfa: string | null; idfv: string | null; android_id: string | null;
      }>(
        tx,
        `SELECT id, install_id, touch_id, touch_kind, gaid, idfa, idfv, android_id FROM installs
          WHERE app_id = $1 AND (gaid = $2 OR idfa = $3 OR idfv = $4 OR android_id = $5 OR customer_user_id = $6)
          FOR UPDATE`,
        [appId, d.gaid ?? null, d.idfa ?? null, d.idfv ?? null, d.androidId ?? null, person.customerUserId ?? null],
      );
      const kinds: [string, string[]][] = [
        ['gaid', uniq([d.gaid, ...installs.map((i) => i.gaid)])],
        ['idfa', uniq([d.idfa, ...installs.map((i) => i.idfa)])],
        ['idfv', uniq([d.idfv, ...installs.map((i) => i.idfv)])],
        ['android_id', uniq([d.androidId, ...installs.map((i) => i.android_id)])],
        ['install_id', uniq(installs.map((i) => i.install_id))],
        ['customer_user_id', uniq([person.customerUserId])],
        ['user_id', uniq([person.customerUserId])],
      ];
      const flat = kinds.flatMap(([kind, values]) => values.map((v) => [kind, sha256(v)] as const));
      await tx.query(
        `INSERT INTO suppressions (app_id, kind, value_hash) SELECT $1, k, h FROM unnest($2::text[], $3::text[]) AS t(k, h)
         ON CONFLICT DO NOTHING`,
        [appId, flat.map(([k]) => k), flat.map(([, h]) => h)],
      );
      const members = exit ? await exit(tx, appId, { device: d, customerUserId: person.customerUserId }) : 0;

      const installIds = installs.map((i) => i.id);
      const clientInstallIds = kinds[4][1];
      const events = await rowsOf<{ id: string }>(
        tx,
        `DELETE FROM events WHERE app_id = $1
            AND (install_ref = ANY ($2::uuid[]) OR (user_id IS NOT NULL AND user_id = $3)
                 OR (install_id = ANY ($4::text[]) AND status IN ('pending', 'waiting')))
         RETURNING id`,
        [appId, installIds, person.customerUserId ?? null, clientInstallIds],
      );
      const eventIds = events.map((e) => e.id);
      await tx.query(`DELETE FROM event_keys WHERE app_id = $1 AND event_ref = ANY ($2::uuid[])`, [appId, eventIds]);
      // Outbox rows not yet sent are dropped; sent ones keep their log line without the URL and body that named the person.
      const subjects = [...installIds, ...eventIds];
      const dropped = await rowsOf<{ id: string }>(
        tx,
        `DELETE FROM deliveries WHERE app_id = $1 AND subject_id = ANY ($2::uuid[]) AND status <> 'delivered' RETURNING id`,
        [appId, subjects],
      );
      await tx.query(
        `UPDATE deliveries SET url = '(erased)', body = NULL WHERE app_id = $1 AND subject_id = ANY ($2::uuid[])`,
        [appId, subjects],
      );
      const touchIds = (kind: string) => installs.filter((i) => i.touch_kind === kind && i.touch_id).map((i) => i.touch_id!);
      const touches = async (table: 'clicks' | 'impressions') =>
        (
          await rowsOf<{ id: string }>(
            tx,
            `DELETE FROM ${table} WHERE app_id = $1 AND (gaid = ANY ($2::text[]) OR idfa = ANY ($3::text[]) OR id = ANY ($4::uuid[]))
             RETURNING id`,
            [appId, kinds[0][1], kinds[1][1], touchIds(table === 'clicks' ? 'click' : 'impression')],
          )
        ).length;
      const clicks = await touches('clicks');
      const impressions = await touches('impressions');
      await tx.query(`DELETE FROM installs WHERE app_id = $1 AND id = ANY ($2::uuid[])`, [appId, installIds]);
      return { clicks, impressions, installs: installIds.length, events: eventIds.length, members, deliveries: dropped.length };
    });
  }
}
