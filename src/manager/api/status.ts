/** /api/v2/status and /api/v2/receivers. */
import type { RowDataPacket } from 'mysql2/promise';
import { jsonResponse, type HttpResponse } from '../../http/server.js';
import { dateTime, type ManagerApiContext } from './common.js';

/**
 * GET /api/v2/status. The cluster is the set of managers sharing the database: this one and
 * those holding live leases (their addresses are not stored, so they show as "").
 */
export async function getStatus(ctx: ManagerApiContext): Promise<HttpResponse> {
  const now = ctx.clock.now();
  const [rows] = await ctx.pool.query<RowDataPacket[]>(
    'SELECT DISTINCT lease_owner FROM manager_groups WHERE lease_owner IS NOT NULL AND lease_until > ? ORDER BY lease_owner', [now],
  );
  const others = rows.map((r) => String(r.lease_owner)).filter((n) => n !== ctx.instance);
  const peers = [{ name: ctx.instance, address: ctx.address ?? '' }, ...others.map((name) => ({ name, address: '' }))];
  return jsonResponse(200, {
    cluster: { name: ctx.instance, status: 'ready', peers },
    versionInfo: {
      branch: 'main',
      buildDate: '',
      buildUser: 'vigil',
      goVersion: `node${process.versions.node}`,
      revision: '',
      version: ctx.version ?? '0.1.0',
    },
    config: { original: ctx.configText },
    uptime: dateTime(ctx.startedAt),
  });
}

/** GET /api/v2/receivers. */
export function getReceivers(ctx: ManagerApiContext): HttpResponse {
  return jsonResponse(200, ctx.config.receivers.map((r) => ({ name: r.name })));
}
