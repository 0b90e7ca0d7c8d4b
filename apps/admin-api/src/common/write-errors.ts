// What a refused write to PostgreSQL means for the client: a constraint is the client's problem (4xx naming the
// field), anything else is ours (rethrown: the error filter answers 500 and logs it, or 503 when storage is down).
import { QueryFailedError, type DeepPartial, type ObjectLiteral, type Repository } from 'typeorm';
import { LookbackError, invalid, notFound } from '@app/domain';

interface PgError {
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
  detail?: string;
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The API field a constraint or column of `table` is about: `campaigns_click_lookback_hours_check` → `clickLookbackHours`. */
function fieldOf(pg: PgError, table: string): string | undefined {
  if (pg.column) return camel(pg.column);
  const m = pg.constraint?.match(new RegExp(`^${table}_(.+?)_(check|fkey|key)$`));
  return m ? camel(m[1]) : undefined;
}

/**
 * Translates a PostgreSQL constraint or data error raised by a write to `table` into the contract's error, or
 * answers undefined for anything else (the caller rethrows it). A foreign key names the row that went missing
 * between the check and the write (`app`, `network`), as a 404 on that field.
 */
export function writeError(err: unknown, table: string): LookbackError | undefined {
  if (!(err instanceof QueryFailedError)) return undefined;
  const pg = (err as QueryFailedError & { driverError?: PgError }).driverError ?? {};
  const code = pg.code ?? '';
  const field = fieldOf(pg, table);
  if (code === '23503') {
    const what = field?.replace(/Id$/, '');
    return what ? notFound(what, field) : notFound('referenced_row');
  }
  if (code === '23505') {
    const noun = table.replace(/s$/, '');
    return new LookbackError('conflict', 'already_exists', `${/^[aeiou]/.test(noun) ? 'An' : 'A'} ${noun} with that ${field ?? 'key'} exists already.`, field);
  }
  if (code === '23514' || code === '23502' || code.startsWith('22')) {
    return invalid('invalid_field', `${field ?? 'The request'} holds a value that cannot be stored.`, field);
  }
  return undefined;
}

/**
 * Saves `entity` through `repo`: a value PostgreSQL refuses is the client's 400 or 409 naming the field (see
 * writeError), anything else goes up as ours.
 */
export async function saveOrRefuse<T extends ObjectLiteral>(repo: Repository<T>, entity: T & DeepPartial<T>): Promise<T> {
  try {
    return await repo.save(entity);
  } catch (err) {
    throw writeError(err, repo.metadata.tableName) ?? err;
  }
}
