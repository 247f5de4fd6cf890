import type { AuditEvent } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/store/audit-log.js';
import type { Database } from '../../src/store/database.js';
import { DatabaseError } from '../../src/store/errors.js';
import { IdempotencyStore } from '../../src/store/idempotency.js';
import { JobLocks } from '../../src/store/jobs.js';
import { Outbox } from '../../src/store/outbox.js';
import { writeAll } from '../../src/store/version-writes.js';
import { TARGETS } from './support/targets.js';

const AGB = 'http://fhir.nl/fhir/NamingSystem/agb-z';

function auditEvent(patient: string, recorded: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    recorded,
    agent: [
      { who: { identifier: { system: 'urn:overdracht:client', value: 'his-1' } }, requestor: true },
      { who: { identifier: { system: AGB, value: '01234567' } }, requestor: false },
    ],
    source: { observer: { display: 'overdracht' } },
    entity: [{ what: { reference: patient } }],
  };
}

describe.each(TARGETS)('gateway tables ($name)', (target) => {
  describe.skipIf(target.skip)('', () => {
    let db: Database;
    let now = new Date('2025-04-01T08:00:00.000Z');
    const clock = (): Date => now;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(async () => db.close());

    describe('idempotency', () => {
      it('when a key is saved twice, then the first answer is kept and returned', async () => {
        const store = new IdempotencyStore(db, clock);
        const first = await store.save('client-1:key-1', {
          requestHash: 'h1',
          status: 201,
          body: { resourceType: 'Bundle' },
        });
        const second = await store.save('client-1:key-1', { requestHash: 'h2', status: 200, body: null });
        expect(first.stored).toBe(true);
        expect(second).toEqual({ stored: false, record: first.record });
        expect(await store.get('client-1:key-1')).toMatchObject({
          requestHash: 'h1',
          status: 201,
          body: { resourceType: 'Bundle' },
        });
        expect(await store.get('unknown')).toBeUndefined();
      });

      it('when old answers are removed, then newer ones stay', async () => {
        const store = new IdempotencyStore(db, () => new Date('2020-01-01T00:00:00Z'));
        await store.save('old-key', { requestHash: 'h', status: 200, body: {} });
        expect(await store.deleteOlderThan(new Date('2021-01-01T00:00:00Z'))).toBe(1);
        expect(await store.get('old-key')).toBeUndefined();
        expect(await store.get('client-1:key-1')).toBeDefined();
      });
    });

    describe('audit log', () => {
      it('when events are appended, then they can be listed by patient, organisation and time', async () => {
        const log = new AuditLog(db);
        await log.append(auditEvent('Patient/a1', '2025-04-01T08:00:00Z'));
        await log.append(auditEvent('Patient/a2', '2025-04-01T09:00:00Z'));
        await log.append(auditEvent('https://gw.example/fhir/Patient/a1', '2025-04-01T10:00:00Z'));
        const forA1 = await log.list({ patient: 'Patient/a1' });
        expect(forA1.map((e) => e.recorded)).toEqual(['2025-04-01T08:00:00Z', '2025-04-01T10:00:00Z']);
        expect(
          await log.list({ agentOrganization: `${AGB}|01234567`, since: new Date('2025-04-01T08:30:00Z') }),
        ).toHaveLength(2);
        expect(await log.list({ until: new Date('2025-04-01T08:30:00Z') })).toHaveLength(1);
        expect(forA1[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
      });

      it('when anyone tries to change or remove an event, then the database refuses', async () => {
        const log = new AuditLog(db);
        await log.append({ ...auditEvent('Patient/a3', '2025-04-02T08:00:00Z'), id: 'fixed-audit-id' });
        for (const sql of [
          "UPDATE audit_event SET patient = 'Patient/x' WHERE id = 'fixed-audit-id'",
          "DELETE FROM audit_event WHERE id = 'fixed-audit-id'",
          'TRUNCATE audit_event',
        ]) {
          const err = (await db.query(sql).catch((e: unknown) => e)) as DatabaseError;
          expect(err, sql).toBeInstanceOf(DatabaseError);
          expect(err.status).toBe(403);
        }
        expect(await log.list({ patient: 'Patient/a3' })).toHaveLength(1);
      });

      it('when an event has no recorded time, then it is refused', async () => {
        const { recorded: _recorded, ...noTime } = auditEvent('Patient/a4', '2025-04-02T08:00:00Z');
        await expect(new AuditLog(db).append(noTime as AuditEvent)).rejects.toThrow(/recorded/);
      });
    });

    describe('outbox', () => {
      it('when messages are due, then a claim takes them for a lease and a second claim skips them', async () => {
        const outbox = new Outbox(db, clock);
        const a = await outbox.enqueue({ receiver: 'ggz-noord', payload: { n: 1 } });
        await outbox.enqueue({
          receiver: 'ggz-noord',
          payload: { n: 2 },
          notBefore: new Date('2025-04-01T09:00:00Z'),
        });
        const claimed = await outbox.claimDue({ limit: 10, leaseMs: 60_000, receiver: 'ggz-noord' });
        expect(claimed.map((m) => [m.id, m.attempts])).toEqual([[a.id, 1]]);
        expect(await outbox.claimDue({ limit: 10, leaseMs: 60_000, receiver: 'ggz-noord' })).toEqual([]);
        now = new Date('2025-04-01T08:02:00.000Z');
        // The deliverer died: after the lease the message is due again.
        expect(
          (await outbox.claimDue({ limit: 10, leaseMs: 60_000, receiver: 'ggz-noord' })).map(
            (m) => m.attempts,
          ),
        ).toEqual([2]);
        await outbox.markDelivered(a.id);
        expect((await outbox.get(a.id))?.status).toBe('delivered');
      });

      it('when delivery fails, then the message waits for its retry, and is dead when given up', async () => {
        now = new Date('2025-04-01T08:00:00.000Z');
        const outbox = new Outbox(db, clock);
        const m = await outbox.enqueue({ receiver: 'wijkteam', payload: {} });
        await outbox.claimDue({ limit: 1, leaseMs: 1000, receiver: 'wijkteam' });
        await outbox.markFailed(m.id, 'http-503', new Date('2025-04-01T08:10:00Z'));
        expect(await outbox.get(m.id)).toMatchObject({
          status: 'pending',
          lastError: 'http-503',
          attempts: 1,
        });
        expect(await outbox.claimDue({ limit: 1, leaseMs: 1000, receiver: 'wijkteam' })).toEqual([]);
        await outbox.markFailed(m.id, 'http-400', null);
        expect(await outbox.list({ status: 'dead', receiver: 'wijkteam' })).toHaveLength(1);
        await expect(outbox.markFailed(m.id, 'Patient Jansen not found', null)).rejects.toThrow(/code/);
      });
      it('when a message is written with other rows (one statement), then it is stored as enqueue stores it', async () => {
        now = new Date('2025-04-01T08:00:00.000Z');
        const outbox = new Outbox(db, clock);
        const rows = outbox.rows({ receiver: 'huisarts', payload: { n: 3, nested: { a: [1] } } });
        const id = String(rows.rows[0]?.id);
        await writeAll(db, [], [rows]);
        const enqueued = await outbox.enqueue({
          receiver: 'huisarts',
          payload: { n: 3, nested: { a: [1] } },
        });
        const { id: _a, ...written } = (await outbox.get(id)) ?? {};
        const { id: _b, ...expected } = enqueued;
        expect(written).toEqual(expected);
      });
    });

    describe('job locks', () => {
      it('when two instances try one job, then one holds it until it releases or the lease ends', async () => {
        now = new Date('2025-04-01T08:00:00.000Z');
        const a = new JobLocks(db, 'instance-a', clock);
        const b = new JobLocks(db, 'instance-b', clock);
        const [gotA, gotB] = await Promise.all([
          a.tryAcquire('retention', 60_000),
          b.tryAcquire('retention', 60_000),
        ]);
        expect([gotA, gotB].filter(Boolean)).toHaveLength(1);
        const [holder, other] = gotA ? [a, b] : [b, a];
        expect(await other.renew('retention', 60_000)).toBe(false);
        expect(await holder.renew('retention', 60_000)).toBe(true);
        now = new Date('2025-04-01T08:01:30.000Z');
        expect(await other.tryAcquire('retention', 60_000)).toBe(true);
        expect(await holder.renew('retention', 60_000)).toBe(false);
      });

      it('when a job runs, then its outcome is recorded and another instance can run it next', async () => {
        const a = new JobLocks(db, 'instance-a', clock);
        const b = new JobLocks(db, 'instance-b', clock);
        const blocked: string[] = [];
        const run = await a.run('outbox-delivery', 60_000, async () => {
          blocked.push(String((await b.run('outbox-delivery', 60_000, async () => 'b')).ran));
          return 'a';
        });
        expect(run).toEqual({ ran: true, result: 'a' });
        expect(blocked).toEqual(['false']);
        await expect(
          b.run(
            'outbox-delivery',
            60_000,
            () => Promise.reject(new Error('boom')),
            () => 'upstream-down',
          ),
        ).rejects.toThrow('boom');
        expect(await a.status('outbox-delivery')).toMatchObject({
          lockedUntil: null,
          owner: null,
          lastError: 'upstream-down',
          lastRun: now,
        });
      });
    });
  });
});
