/** The `delivery` job: delivers what is due in the outbox, and retries what failed before. */
import type { Deliverer } from '../delivery/deliverer.js';
import type { Job } from './job.js';

export interface DeliveryPorts {
  deliverer: Deliverer;
}

export function deliveryJob(opts: { schedule?: string } = {}): Job<DeliveryPorts> {
  return {
    name: 'delivery',
    // Every 30 seconds (node-cron takes a seconds field first).
    schedule: opts.schedule ?? '*/30 * * * * *',
    lockTtlMs: 10 * 60_000,
    run: async (ctx) => ctx.ports.deliverer.deliverDue(),
  };
}
