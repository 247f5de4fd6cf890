/** The public API of the workflow domain, for the gateway, the CLI and the store. */
export * from './codes.js';
export * from './events.js';
export * from './party.js';
export * from './history.js';
export * from './steps.js';
export * from './transitions.js';
export * from './fanout.js';
export * from './handover.js';
export * from './closure.js';
export * from './dates.js';
export * from './waiting-times.js';
export * from './youth-transition.js';
export * from './watchdog.js';
export * from './ports.js';
export * from './jobs.js';
