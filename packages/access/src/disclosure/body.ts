/** A small request body (JSON or an HTML form) read with a size limit: the only bodies disclosure takes. */
import type Koa from 'koa';
import { DisclosureError } from './errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export type Fields = Record<string, string | string[]>;

export async function readBody(ctx: Koa.Context): Promise<{ kind: 'json' | 'form'; value: unknown }> {
  const type = (ctx.get('Content-Type') || '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded') {
    throw new DisclosureError('A-101', 'send application/json or an HTML form (application/x-www-form-urlencoded)', {});
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new DisclosureError('A-101', `the request body is larger than ${MAX_BODY_BYTES} bytes`, {});
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Fields = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = fields[k];
      fields[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return { kind: 'form', value: fields };
  }
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    throw new DisclosureError('A-101', 'the body is not JSON', {});
  }
}

export function stringList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new DisclosureError('A-101', `${what} must be a string or a list of strings`, { field: what });
  return list as string[];
}

export function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DisclosureError('A-101', `${what} must be a string`, { field: what });
  return v;
}
