/**
 * prom-client (with @opentelemetry/api, which it loads), loaded when metrics are first recorded or rendered: only
 * `bevara serve` has a /metrics, and loading the library was about 40 ms of CPU at every start.
 */
import type * as PromClient from 'prom-client';
import { lazyLibrary } from '../lazy-library.ts';

export const promClient = lazyLibrary<typeof PromClient>('prom-client');
