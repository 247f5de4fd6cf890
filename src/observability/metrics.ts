/** Prometheus metrics of one gateway instance (requests, latencies, validation failures, outbox). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  validationFailures: Counter<'stage'>;
  validationSeconds: Histogram<'stage'>;
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
  };
}
