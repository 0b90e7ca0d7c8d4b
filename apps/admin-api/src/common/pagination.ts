import { ParseUUIDPipe } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { invalid } from '@app/domain';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { And, In, MoreThan, type FindOperator, type FindOptionsWhere, type ObjectLiteral, type Repository } from 'typeorm';
import { scopeParam, type AppScope } from '@app/domain';

export class ListQuery {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 500, default: 100, description: 'Items per page.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** The last id of the previous page (ids are UUIDv7, so id order is creation order). */
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The `nextCursor` of the previous page.' })
  @IsOptional() @IsUUID() cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function listPage<E extends ObjectLiteral & { id: string }, V>(
  repo: Repository<E>,
  query: ListQuery,
  where: FindOptionsWhere<E>,
  view: (e: E) => V,
): Promise<Page<V>> {
  const limit = query.limit ?? 100;
  const given = (where as { id?: FindOperator<string> }).id;
  const id = query.cursor ? (given ? And(given, MoreThan(query.cursor)) : MoreThan(query.cursor)) : given;
  const rows = await repo.find({
    where: { ...where, ...(id ? { id } : {}) } as FindOptionsWhere<E>,
    order: { id: 'ASC' } as never,
    take: limit + 1,
  });
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items: items.map(view), nextCursor: more ? items[items.length - 1].id : null };
}

/** Path ids: a malformed one is a 400 naming the field, not a database error. */
export const uuidParam = () =>
  new ParseUUIDPipe({ exceptionFactory: () => invalid('invalid_id', 'The id in the path must be a UUID.', 'id') });

/** The `where` that keeps a list inside a key's apps, for entities with an app column (`appId`, or `id` for apps). */
export function scopeWhere(scope: AppScope, column: 'appId' | 'id' = 'appId'): Record<string, FindOperator<string>> {
  const ids = scopeParam(scope);
  return ids === null ? {} : { [column]: In(ids) };
}
