/**
 * The gateway's delivery, job and waiting-time routes, wired to the database: what
 * src/gateway/index.ts adds to its route list in one line.
 */
import type { Provenance, Reference, Resource, Task } from '@medplum/fhirtypes';
import type { VisibleResources } from '../../access/resources.js';
import { auditEvent } from '../../audit/events.js';
import type { Principal } from '../../auth/smart.js';
import type { Config } from '../../config/types.js';
import { gatewayJobs } from '../../jobs/gateway-jobs.js';
import { INTERRUPTIONS_REPORT, WAITING_TIMES_REPORT, WorkflowStore } from '../../jobs/workflow-store.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Database } from '../../store/database.js';
import { JobLocks, JobReports } from '../../store/jobs.js';
import { Outbox } from '../../store/outbox.js';
import type { ResourceStore } from '../../store/resource-store.js';
import { AccessGrants } from '../../access/grants.js';
import { youthInterruptionsJob } from '../../workflow/jobs.js';
import { waitingTime, waitingTimesByReceiver, type WaitingTimeReport } from '../../workflow/waiting-times.js';
import type { InterruptionReport } from '../../workflow/youth-transition.js';
import { createLogger } from '../../observability/logger.js';
import type { FhirRoute } from '../routes.js';
import { careInterruptionRoutes } from './care-interruptions.js';
import { deliveryRoutes } from './delivery.js';
import { waitingTimeRoutes } from './waiting-times.js';

export interface DeliveryGatewayDeps {
  config: Config;
  db: Database;
  store: ResourceStore;
  auditLog: AuditLog;
  visible: VisibleResources;
  endpoint: string;
  now: () => Date;
  recordAccess(
    principal: Principal,
    interaction: 'read' | 'search-type',
    resources: readonly Resource[],
    requestId: string | undefined,
  ): Promise<void>;
}

const MONTH_WINDOW = 12;

export function deliveryGatewayRoutes(deps: DeliveryGatewayDeps): FhirRoute[] {
  const { config, db, store, now } = deps;
  const workflow = new WorkflowStore({ db, store, organisations: config.organisations, now });
  const timeZone = { timeZone: config.jobs.timeZone };
  const jobs = gatewayJobs(config);
  return [
    ...deliveryRoutes({
      outbox: new Outbox(db, now),
      jobs: {
        schedules: () => jobs.map((j) => ({ name: j.name, schedule: j.schedule })),
        status: () => new JobLocks(db, '', now).list(),
      },
      bodyLimitBytes: config.http.bodyLimitBytes,
      recordAccess: async (principal, interaction, what: readonly Reference[], requestId) => {
        await deps.auditLog.append(
          auditEvent({
            principal,
            action: interaction === '$outbox-retry' ? 'U' : 'R',
            interaction,
            outcome: '0',
            what: [...what],
            legalBasis: 'legal-obligation',
            sourceSystem: deps.endpoint,
            recorded: now(),
            ...(requestId ? { requestId } : {}),
          }),
        );
      },
    }),
    ...waitingTimeRoutes({
      organisations: config.organisations,
      recordAccess: deps.recordAccess,
      async report() {
        const saved = await new JobReports(db, now).get<WaitingTimeReport>(WAITING_TIMES_REPORT);
        if (saved) return { report: saved.content, computedAt: saved.computedAt };
        // The job has not run yet: the same computation, on the spot.
        const at = now();
        const since = new Date(at.getTime());
        since.setUTCMonth(since.getUTCMonth() - MONTH_WINDOW);
        const records = await workflow.findTaskRecords(since);
        return { report: waitingTimesByReceiver(records, at, timeZone), computedAt: at };
      },
      async taskWaitingTime(principal, id) {
        const task = await deps.visible.read<Task>(principal.organisation.identifier, 'Task', id);
        const history = await store.search<Provenance>('Provenance', { target: `Task/${id}`, _count: '200' });
        return { task, waitingTime: waitingTime({ task, history: history.resources }, now(), timeZone) };
      },
    }),
    ...careInterruptionRoutes({
      async report() {
        const reports = new JobReports(db, now);
        const saved = await reports.get<InterruptionReport>(INTERRUPTIONS_REPORT);
        if (saved) return { report: saved.content, computedAt: saved.computedAt };
        // The job has not run yet: the job's own computation, on the spot (not saved).
        let computed: InterruptionReport | undefined;
        const at = now();
        await youthInterruptionsJob(timeZone).run({
          now: () => at,
          logger: createLogger('error', () => undefined),
          ports: {
            saveTaskChange: (change) => workflow.saveTaskChange(change),
            findYouthClients: (from, to) => workflow.findYouthClients(from, to),
            hasTransitionPreparation: (episode) => workflow.hasTransitionPreparation(episode),
            newId: () => workflow.newId(),
            saveInterruptionReport: (report) => {
              computed = report;
              return Promise.resolve();
            },
          },
        });
        return {
          report: computed ?? { asOf: at.toISOString(), clients: 0, interruptions: [], perMonth: [] },
          computedAt: at,
        };
      },
      granted: (principal, reference) => {
        const [type = '', id = ''] = reference.split('/');
        return new AccessGrants(db).has(principal.organisation.identifier, type, id);
      },
      async recordAccess(principal, patients, requestId) {
        const common = {
          principal,
          action: 'R' as const,
          interaction: '$care-interruptions',
          outcome: '0' as const,
          legalBasis: 'legal-obligation' as const,
          sourceSystem: deps.endpoint,
          recorded: now(),
          ...(requestId ? { requestId } : {}),
        };
        if (patients.length === 0) await deps.auditLog.append(auditEvent(common));
        for (const patient of patients)
          await deps.auditLog.append(auditEvent({ ...common, patient, what: [patient] }));
      },
    }),
  ];
}
