/** Prometheus metrics of one gateway instance (requests, latencies, validation failures, outbox). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  validationFailures: Counter<'stage'>;
  validationSeconds: Histogram<'stage'>;
  /** Outbox messages by outcome of an attempt: delivered, failed (will retry), dead. */
  deliveries: Counter<'receiver' | 'mode' | 'outcome'>;
  /** Outbox messages by status, as last counted by the deliverer. */
  outboxMessages: Gauge<'status'>;
  /** From enqueue to delivery (seconds). */
  deliveryLatency: Histogram<'mode'>;
  /** Job runs by result (ok, failed, skipped). */
  jobRuns: Counter<'job' | 'status'>;
  /** When a job last finished, and when it last succeeded (Unix seconds). */
  jobLastRun: Gauge<'job'>;
  jobLastSuccess: Gauge<'job'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'overdracht_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'overdracht_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'overdracht_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    validationFailures: new Counter({
      name: 'overdracht_validation_failures_total',
      help: 'Requests refused by validation, by stage (parse, base, gate, profile)',
      labelNames: ['stage'],
      registers: [registry],
    }),
    validationSeconds: new Histogram({
      name: 'overdracht_validation_duration_seconds',
      help: 'Time spent validating, by stage',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'overdracht_deliveries_total',
      help: 'Delivery attempts of outbox messages by receiver, mode and outcome (delivered, failed, dead)',
      labelNames: ['receiver', 'mode', 'outcome'],
      registers: [registry],
    }),
    outboxMessages: new Gauge({
      name: 'overdracht_outbox_messages',
      help: 'Outbox messages by status (pending, dead), as last counted',
      labelNames: ['status'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'overdracht_delivery_latency_seconds',
      help: 'Time from enqueue to delivery of an outbox message',
      labelNames: ['mode'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'overdracht_job_runs_total',
      help: 'Scheduled job runs by job and result (ok, failed, skipped)',
      labelNames: ['job', 'status'],
      registers: [registry],
    }),
    jobLastRun: new Gauge({
      name: 'overdracht_job_last_run_timestamp_seconds',
      help: 'When a job last finished on this instance',
      labelNames: ['job'],
      registers: [registry],
    }),
    jobLastSuccess: new Gauge({
      name: 'overdracht_job_last_success_timestamp_seconds',
      help: 'When a job last succeeded on this instance',
      labelNames: ['job'],
      registers: [registry],
    }),
  };
}
