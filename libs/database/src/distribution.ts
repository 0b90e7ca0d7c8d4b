/**
 * How the schema spreads over a Citus cluster (docs/scaling.md). Every other table is distributed by app_id,
 * colocated with installs, and must carry app_id in each primary and unique key; test/distribution-keys checks it.
 */
export const DISTRIBUTION_COLUMN = 'app_id';

/** Small, read by every shard's joins, written rarely: copied to every node. */
export const REFERENCE_TABLES = ['apps', 'networks', 'campaigns', 'fx_rates', 'api_keys'] as const;

/** Bookkeeping that stays on the coordinator only. */
export const LOCAL_TABLES = ['migrations'] as const;
