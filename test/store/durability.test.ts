/**
 * A write that returned is on disk: a child process stores a resource, says so, and is killed
 * with SIGKILL at once (no shutdown, no flush); a new opening of the same database finds it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { ResourceStore } from '../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../src/store/search-params.js';
import { copyMigratedDataDir } from './support/pglite-template.js';
import { freshSchema, postgresUrl } from './support/targets.js';

const CHILD = join(import.meta.dirname, 'support', 'durability-child.ts');
const registry = new SearchParamRegistry(['Patient']);
const scratch = mkdtempSync(join(tmpdir(), 'overdracht-durability-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the child until it reports the stored id, then kills it hard; resolves with that id. */
function storeAndKill(config: DatabaseConfig): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let id: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /stored (\S+)\n/.exec(out);
      if (match?.[1] && id === undefined) {
        id = match[1];
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (id !== undefined && signal === 'SIGKILL') resolve(id);
      else
        reject(
          new Error(
            `child ended (${String(code)}, ${String(signal)}) without storing: ${err.slice(0, 2000)}`,
          ),
        );
    });
  });
}

describe.concurrent('durability', () => {
  it('when a PGlite process is killed right after a write returned, then a new process reads the write', async () => {
    const dataDir = join(scratch, 'pglite');
    await copyMigratedDataDir(dataDir);
    const id = await storeAndKill({ driver: 'pglite', dataDir });

    // The killed process left its lock file behind; its pid is dead, so the directory opens.
    const db = await openDatabase({ driver: 'pglite', dataDir });
    try {
      const patient = await new ResourceStore(db, { registry }).read<Patient>('Patient', id);
      expect(patient.identifier?.[0]?.value).toBe('999911120');
      // While it is open here, no other opening may share it.
      await expect(openDatabase({ driver: 'pglite', dataDir })).rejects.toMatchObject({ status: 503 });
    } finally {
      await db.close();
    }
  });

  it.skipIf(postgresUrl === null)(
    'when a server client is killed right after a write returned, then a new process reads the write',
    async () => {
      const schema = await freshSchema();
      try {
        const id = await storeAndKill({ driver: 'pg', url: schema.url });
        const db = await openDatabase({ driver: 'pg', url: schema.url, poolSize: 1 });
        try {
          expect((await new ResourceStore(db, { registry }).read('Patient', id)).id).toBe(id);
        } finally {
          await db.close();
        }
      } finally {
        await schema.drop();
      }
    },
  );
});
