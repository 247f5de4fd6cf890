import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';
import type { Database } from '../../src/store/database.js';
import { DatabaseError } from '../../src/store/errors.js';
import { STORE_TABLES, maintain, maintainedTables } from '../../src/store/maintenance.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open.js';
import { TARGETS, freshSchema } from './support/targets.js';

describe.each(TARGETS)('database ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    beforeAll(async () => {
      db = await target.open();
      await db.exec('CREATE TABLE scratch (k text PRIMARY KEY, v integer NOT NULL)');
    });
    afterAll(async () => db.close());

    it('when values of each type come back, then both drivers give the same JavaScript types', async () => {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT 1::integer AS i, 'x'::text AS t, true AS b, '{"a":[1]}'::jsonb AS j,
                '2024-05-06T07:08:09.123Z'::timestamptz AS ts, 2.50::numeric AS n, count(*)::integer AS c
         FROM (VALUES (1)) v`,
      );
      expect(rows[0]).toEqual({
        i: 1,
        t: 'x',
        b: true,
        j: { a: [1] },
        ts: new Date('2024-05-06T07:08:09.123Z'),
        n: '2.50',
        c: 1,
      });
    });

    it('when bytes go into a bytea parameter, then the same bytes come back (a Uint8Array on both drivers)', async () => {
      const bytes = new Uint8Array([0, 1, 2, 0x1f, 0x8b, 0xff, 10, 92]);
      const { rows } = await db.query<{ b: Uint8Array; n: number }>(
        'SELECT $1::bytea AS b, length($1::bytea) AS n',
        [bytes],
      );
      expect(rows[0]?.n).toBe(bytes.length);
      expect(rows[0]?.b).toBeInstanceOf(Uint8Array);
      expect([...(rows[0]?.b ?? [])]).toEqual([...bytes]);
    });

    it('when a nested transaction fails, then only its work is rolled back', async () => {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO scratch VALUES ($1, $2)', ['outer', 1]);
        await expect(
          tx.transaction(async (inner) => {
            await inner.query('INSERT INTO scratch VALUES ($1, $2)', ['inner', 2]);
            throw new Error('inner fails');
          }),
        ).rejects.toThrow('inner fails');
        await tx.transaction(async (inner) =>
          inner.query('INSERT INTO scratch VALUES ($1, $2)', ['sibling', 3]),
        );
      });
      const { rows } = await db.query<{ k: string }>(
        "SELECT k FROM scratch WHERE k IN ('outer', 'inner', 'sibling') ORDER BY k",
      );
      expect(rows.map((r) => r.k)).toEqual(['outer', 'sibling']);
    });

    it('when the callback throws, then the whole transaction is rolled back and the error passes unchanged', async () => {
      const mine = new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: [] }, 409);
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO scratch VALUES ($1, $2)', ['rolled-back', 1]);
          throw mine;
        }),
      ).rejects.toBe(mine);
      expect((await db.query("SELECT 1 FROM scratch WHERE k = 'rolled-back'")).rowCount).toBe(0);
    });

    it('when a unique key is violated, then the error says so without any row value', async () => {
      await db.query('INSERT INTO scratch VALUES ($1, $2)', ['999999990', 1]);
      const err: unknown = await db
        .query('INSERT INTO scratch VALUES ($1, $2)', ['999999990', 2])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      const dbErr = err as DatabaseError;
      expect(dbErr.status).toBe(409);
      expect(dbErr.sqlState).toBe('23505');
      expect(dbErr.constraint).toBe('scratch_pkey');
      expect(JSON.stringify(dbErr.outcome)).not.toContain('999999990');
      expect(dbErr.message).not.toContain('999999990');
      expect(Object.keys(dbErr)).not.toContain('cause');
    });

    it('when a value cannot be cast, then the error is a 400 without the value', async () => {
      const err = (await db
        .query('SELECT $1::integer', ['Jansen'])
        .catch((e: unknown) => e)) as DatabaseError;
      expect(err.status).toBe(400);
      expect(JSON.stringify(err.outcome) + err.message).not.toContain('Jansen');
    });

    it('when two serializable transactions collide, then the loser is retried and both take effect', async () => {
      await db.exec(
        'CREATE TABLE counter (id integer PRIMARY KEY, n integer NOT NULL); INSERT INTO counter VALUES (1, 0)',
      );
      let attempts = 0;
      const bump = (): Promise<void> =>
        db.transaction(
          async (tx) => {
            attempts += 1;
            const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
            await new Promise((resolve) => setTimeout(resolve, 30));
            await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
          },
          { isolation: 'serializable' },
        );
      await Promise.all([bump(), bump()]);
      expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows[0]?.n).toBe(2);
      // PGlite runs one transaction at a time; on a server the two overlap and one is retried.
      expect(attempts).toBeGreaterThanOrEqual(target.name === 'pg' ? 3 : 2);
    });

    it('when maintenance runs, then statistics exist for the store tables', async () => {
      await maintain(db);
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::integer AS n FROM pg_class WHERE relname = 'search_token' AND relkind = 'r' AND reltuples >= 0",
      );
      expect(rows[0]?.n).toBe(1);
    });

    it('when maintenance lists its tables, then every table of the migrations is there, grants and assertion ids too', async () => {
      const tables = await maintainedTables(db);
      expect(tables).toEqual(expect.arrayContaining([...STORE_TABLES]));
      expect(tables).toEqual(expect.arrayContaining(['access_grant', 'auth_jti']));
    });

    it('when migrations run again, then nothing is applied', async () => {
      expect(await migrate(db)).toEqual({ applied: [], version: MIGRATIONS.length });
    });
  });
});

describe('an unreachable server', () => {
  it('when nothing listens at the URL, then opening fails with 503 and names neither host nor password', async () => {
    const url = 'postgres://gateway:s3cret-password@127.0.0.1:1/overdracht';
    const err = (await openDatabase({ driver: 'pg', url, poolSize: 1 }).catch(
      (e: unknown) => e,
    )) as DatabaseError;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.status).toBe(503);
    expect(JSON.stringify(err.outcome) + err.message).not.toMatch(/s3cret|127\.0\.0\.1|gateway/);
  });
});

describe.skipIf(TARGETS[1]?.skip ?? true)('migrations on a server', () => {
  it('when two instances open one empty database at once, then each migration is applied once', async () => {
    const schema = await freshSchema();
    try {
      const [a, b] = await Promise.all([
        openDatabase({ driver: 'pg', url: schema.url, poolSize: 2 }),
        openDatabase({ driver: 'pg', url: schema.url, poolSize: 2 }),
      ]);
      const { rows } = await a.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      await Promise.all([a.close(), b.close()]);
    } finally {
      await schema.drop();
    }
  });

  it('when the schema is newer than the build, then opening fails', async () => {
    const schema = await freshSchema();
    try {
      const db = await openDatabase({ driver: 'pg', url: schema.url, poolSize: 1 });
      await db.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')");
      await db.close();
      await expect(openDatabase({ driver: 'pg', url: schema.url, poolSize: 1 })).rejects.toThrow(/newer/);
    } finally {
      await schema.drop();
    }
  });
});
