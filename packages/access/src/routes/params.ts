/** Reads the search parameters of a request; anything malformed is A-004. */
import type Koa from 'koa';
import { AccessError } from '../errors.ts';
import type { SearchParams } from '../search/public.ts';

const LIMITS: Record<string, number> = { q: 500, organisation: 200, kind: 200, year: 4, cursor: 200, limit: 3 };

export function searchParams(ctx: Koa.Context, withLimit: boolean): SearchParams {
  const one = (name: string): string | undefined => {
    const v = ctx.query[name];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw new AccessError('A-004', `${name} given more than once`, {});
    if (v.length > (LIMITS[name] ?? 0)) throw new AccessError('A-004', `${name} is too long`, {});
    return v === '' ? undefined : v;
  };
  const whole = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new AccessError('A-004', `${name} must be a whole number`, {});
    return Number(v);
  };
  const q = one('q');
  const organisation = one('organisation');
  const kind = one('kind');
  const year = whole('year');
  const cursor = one('cursor');
  const limit = withLimit ? whole('limit') : undefined;
  return {
    ...(q !== undefined ? { q } : {}),
    ...(organisation !== undefined ? { organisation } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(year !== undefined ? { year } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}
