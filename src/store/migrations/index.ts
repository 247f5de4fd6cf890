/** Every migration, in order. To add one: a new file `NNNN-name.ts` and a line here (see ../README.md). */
import { resources } from './0001-resources.js';
import { gateway } from './0002-gateway.js';
import { access } from './0003-access.js';
import { delivery } from './0004-delivery.js';
import { clientRecord } from './0005-client-record.js';
import { exportJobs } from './0006-export.js';
import { exportGzip } from './0007-export-gzip.js';
import { indexState } from './0008-index-state.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [
  resources,
  gateway,
  access,
  delivery,
  clientRecord,
  exportJobs,
  exportGzip,
  indexState,
];
