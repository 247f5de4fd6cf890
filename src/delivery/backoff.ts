/**
 * When to try a message again: exponential backoff with full jitter (a random wait between zero
 * and the exponential ceiling), so that receivers coming back after an outage are not hit by
 * every gateway instance at the same moment.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
import type { DeliverySettings } from '../config/types.js';

export type BackoffSettings = Pick<DeliverySettings, 'baseDelaySeconds' | 'maxDelaySeconds'>;

/** The ceiling of the wait after the `attempt`-th failed attempt (1-based), in milliseconds. */
export function backoffCeilingMs(attempt: number, settings: BackoffSettings): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(settings.maxDelaySeconds, settings.baseDelaySeconds * 2 ** exponent) * 1000;
}

/**
 * The wait before the next attempt: `random()` (in [0, 1)) times the ceiling, but never less than
 * what the receiver asked for in Retry-After (itself capped by the maximum) nor less than 1 s.
 */
export function retryDelayMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number,
  retryAfterMs?: number,
): number {
  const jittered = Math.floor(random() * backoffCeilingMs(attempt, settings));
  const asked = Math.min(retryAfterMs ?? 0, settings.maxDelaySeconds * 1000);
  return Math.max(jittered, asked, 1000);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unusable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - now.getTime(), 0);
}

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Worth trying again: the receiver is down, busy or slow. */
  | { kind: 'retry'; code: string; retryAfterMs?: number }
  /** Trying again will not help until someone changes something (configuration, access, the receiver). */
  | { kind: 'give-up'; code: string };

/** 2xx delivered; 408, 425, 429 and 5xx retried; any other answer is not going to change by itself. */
export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const code = `http-${String(status)}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) return { kind: 'retry', code };
  return { kind: 'give-up', code };
}
