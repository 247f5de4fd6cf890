/**
 * The page step in a worker thread (started once per process by page-workers.ts): the R4
 * definitions and the terminology's displays are loaded when the thread starts, then each job
 * sends its policy, key and postcode areas once and its pages after them. The job's options
 * object, and with it the engine's memo of pseudonyms, lives until the job's `end`.
 */
import { createSecretKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { packPage } from './pages.js';
import type { ToWorker, FromWorker, WorkerSetup } from './page-workers.js';
import {
  codeSystemDisplays,
  type KeyRing,
  type Policy,
  type PseudonymiseOptions,
} from './pseudonymise/index.js';
import { r4Model } from './pseudonymise/model.js';
import { createTerminologyService } from '../terminology/service.js';

interface Job {
  policy: Policy;
  keys: KeyRing;
  options: PseudonymiseOptions;
}

const port = parentPort;
if (!port) throw new Error('page-worker.ts runs as a worker thread');

const setup = workerData as WorkerSetup;
r4Model();
const terminology = setup.displays ? createTerminologyService() : undefined;
const displayOf = terminology ? codeSystemDisplays((url) => terminology.getCodeSystem(url)) : undefined;
const jobs = new Map<number, Job>();

const post = (message: FromWorker): void => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'begin': {
      const secret = createSecretKey(message.secret);
      jobs.set(message.job, {
        policy: message.policy,
        keys: new Map([[message.keyId, { id: message.keyId, secret, demo: message.demo }]]),
        options: {
          ...(displayOf ? { displayOf } : {}),
          ...(message.postcodeAreas ? { postcodeAreas: message.postcodeAreas } : {}),
        },
      });
      return;
    }
    case 'page': {
      const job = jobs.get(message.job);
      if (!job) return post({ kind: 'lost', seq: message.seq });
      const result = packPage(message.page, job.policy, job.keys, job.options);
      return post({ kind: 'page', seq: message.seq, result });
    }
    case 'end':
      jobs.delete(message.job);
      return;
    default:
      return message satisfies never;
  }
});
post({ kind: 'ready' });
