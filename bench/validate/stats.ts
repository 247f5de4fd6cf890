/** Small measuring helpers shared by the benchmark's parent and its measuring processes. */
import type { OperationOutcome } from '@medplum/fhirtypes';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The value below which a fraction `q` of `xs` lies (linear between neighbours). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = s[Math.floor(at)] ?? 0;
  const hi = s[Math.ceil(at)] ?? lo;
  return lo + (hi - lo) * (at - Math.floor(at));
}

export function errorCount(o: OperationOutcome): number {
  return (o.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
}

export function heapMb(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** The process's peak resident set so far (`maxRSS` is in KiB). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Collects garbage when the process was started with --expose-gc. */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function canCollect(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}
