/**
 * The `retention` job: purges what the configured retention periods no longer allow to keep -
 * resources not changed for longer than their type's period and referenced by nothing that is
 * kept (with history, index rows and access grants) - and delivered outbox messages. Never the audit trail: `retention.auditEvents` is `keep`
 * by configuration, and the database refuses deletes on `audit_event` anyway. Each purged batch is
 * itself recorded in the audit trail (references only). Without a `retention` section nothing but
 * delivered outbox messages older than 30 days is removed.
 */
import type { RetentionConfig } from '../config/types.js';
import type { Outbox } from '../store/outbox.js';
import type { Job, JobSummary } from './job.js';

const DAY_MS = 86_400_000;
const BATCH = 500;
/** Chains of references are short (Provenance -> Task -> ServiceRequest -> Patient); a bound all the same. */
const MAX_PASSES = 10;

export interface RetentionPorts {
  purge: {
    types(): Promise<string[]>;
    purgeBatch(type: string, before: Date, limit: number): Promise<string[]>;
  };
  outbox: Pick<Outbox, 'deleteDeliveredBefore'>;
  /** Records a purge in the audit trail. */
  recordPurge(type: string, ids: readonly string[]): Promise<void>;
}

/** The retention period of a type in days, or undefined when it is kept. */
export function retentionDays(config: RetentionConfig | undefined, type: string): number | undefined {
  if (!config || type === 'AuditEvent') return undefined;
  return config.resourceDays[type] ?? config.defaultDays;
}

export function retentionJob(
  config: RetentionConfig | undefined,
  opts: { schedule?: string } = {},
): Job<RetentionPorts> {
  return {
    name: 'retention',
    schedule: opts.schedule ?? '0 3 * * *',
    lockTtlMs: 60 * 60_000,
    run: async (ctx) => {
      const now = ctx.now().getTime();
      const summary: JobSummary = { resources: 0, outbox: 0 };
      const types = await ctx.ports.purge.types();
      // Referenced resources wait for their referrers (ResourcePurge): pass after pass, leaves
      // first, until a pass purges nothing.
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        let purged = 0;
        for (const type of types) {
          const days = retentionDays(config, type);
          if (days === undefined) continue;
          const before = new Date(now - days * DAY_MS);
          for (;;) {
            const ids = await ctx.ports.purge.purgeBatch(type, before, BATCH);
            if (ids.length === 0) break;
            await ctx.ports.recordPurge(type, ids);
            purged += ids.length;
            summary[`resources.${type}`] = (summary[`resources.${type}`] ?? 0) + ids.length;
            if (ids.length < BATCH) break;
          }
        }
        summary.resources = (summary.resources ?? 0) + purged;
        if (purged === 0) break;
      }
      summary.outbox = await ctx.ports.outbox.deleteDeliveredBefore(
        new Date(now - (config?.deliveredOutboxDays ?? 30) * DAY_MS),
      );
      return summary;
    },
  };
}
