/** The production Scheduler: node-cron, in the gateway's time zone, one execution of a job at a time. */
import { schedule, validate } from 'node-cron';
import type { Logger } from '../observability/logger.js';
import type { Scheduler } from './runner.js';

export function cronScheduler(logger: Logger, timeZone = 'Europe/Amsterdam'): Scheduler {
  // node-cron's own messages (missed or overlapping executions) go to our structured log.
  const cronLogger = {
    info: (m: string) => logger.info('cron', { message: m }),
    warn: (m: string) => logger.warn('cron', { message: m }),
    error: (m: string | Error) => logger.error('cron', { message: m instanceof Error ? m.message : m }),
    debug: (m: string | Error) => logger.debug('cron', { message: m instanceof Error ? m.message : m }),
  };
  return {
    validate: (expression) => validate(expression),
    schedule(name, expression, fire) {
      const task = schedule(expression, () => fire(), {
        name,
        timezone: timeZone,
        noOverlap: true,
        logger: cronLogger,
      });
      return { stop: () => void task.destroy() };
    },
  };
}
