import { ParseUUIDPipe } from '@nestjs/common';
import { invalid } from '@app/domain';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { MoreThan, type FindOptionsWhere, type ObjectLiteral, type Repository } from 'typeorm';

export class ListQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  /** The last id of the previous page (ids are UUIDv7, so id order is creation order). */
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
  const rows = await repo.find({
    where: { ...where, ...(query.cursor ? { id: MoreThan(query.cursor) } : {}) } as FindOptionsWhere<E>,
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
