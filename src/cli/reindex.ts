/**
 * `overdracht reindex [TYPE ...]`: rewrites the index rows of every stored resource (or of the
 * named types) from the gateway's search parameters as they are now, for instance after an
 * upgrade that indexes other parameters. Safe while gateways run: batches lock their resources.
 * Prints one JSON line with the resources rewritten per type and the rows written.
 * Exit status 0 ok, 1 failed, 2 bad arguments.
 */
import { hasConfigFile, loadConfig } from '../config/load.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht reindex [TYPE ...] [--demo]

  TYPE        resource types to rewrite, e.g. Patient Task (default: every stored type)
  --demo      the demo configuration; also the default when OVERDRACHT_CONFIG names none

Environment as for serve: OVERDRACHT_CONFIG, OVERDRACHT_DATA_DIR, DATABASE_URL.
Exit status: 0 ok, 1 failed, 2 bad arguments.`;

export const reindexCommand: CliCommand = {
  name: 'reindex',
  summary: 'Rewrite the search index rows of stored resources (after the indexed parameters changed)',
  usage: USAGE,
  async run(args) {
    const types = args.filter((a) => !a.startsWith('--'));
    if (args.some((a) => a.startsWith('--') && a !== '--demo')) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const config = loadConfig({ demo: args.includes('--demo') || !hasConfigFile() });
    const { gatewayRegistry } = await import('../gateway/search-params.js');
    const registry = gatewayRegistry();
    const unknown = types.filter((t) => !registry.isStored(t));
    if (unknown.length > 0) {
      process.stderr.write(`overdracht reindex: not a stored type: ${unknown.join(', ')}\n`);
      return 2;
    }
    const { openDatabase } = await import('../store/open.js');
    const { reindex } = await import('../store/reindex.js');
    const { recordIndexState } = await import('../store/index-state.js');
    const db = await openDatabase(config.storage);
    try {
      const result = await reindex(db, registry, types.length > 0 ? { types } : {});
      // The gateway then finds these types' rows in step and does not rewrite them again.
      await recordIndexState(db, registry, Object.keys(result.resources));
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`overdracht reindex: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
