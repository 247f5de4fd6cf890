/** The job framework: Job and JobLock ports, the runner, the node-cron scheduler, an in-memory lock. */
export * from './job.js';
export * from './runner.js';
export * from './cron.js';
export * from './memory-lock.js';
