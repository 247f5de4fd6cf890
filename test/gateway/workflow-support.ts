/**
 * Helpers for the workflow tests against the real app: the demo organisations and clients, Task
 * operations as a client calls them, and a referral Task brought into a given status.
 */
import type { Parameters, ParametersParameter, Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { Outbox, type OutboxMessage } from '../../src/store/outbox.js';
import { FHIR_JSON, sendReferral, tokens, type TestGateway } from './support.js';

export const ORG = {
  gp: { system: SYSTEMS.agb, value: '01004567' },
  ggz: { system: SYSTEMS.agb, value: '06001234' },
  youth: { system: SYSTEMS.agb, value: '06005678' },
  social: { system: SYSTEMS.ura, value: '90001234' },
  table: { system: SYSTEMS.ura, value: '90005678' },
} as const;

/** The demo client of each organisation. */
export const CLIENT = {
  gp: 'demo-gp',
  ggz: 'demo-ggz',
  youth: 'demo-youth-ggz',
  social: 'demo-social-team',
  table: 'demo-regional-table',
} as const;
export type Who = keyof typeof CLIENT;

/** The n-th of a series of valid test BSNs (11-check: weights 9..2 and -1). */
export function bsn(n: number): string {
  for (let k = n * 2; ; k++) {
    const head = `7${String(k).padStart(7, '0')}`;
    const sum = [...head].reduce((acc, d, i) => acc + Number(d) * (9 - i), 0);
    if (sum % 11 < 10) return `${head}${sum % 11}`;
  }
}

export function parameters(parameter: ParametersParameter[]): Parameters {
  return { resourceType: 'Parameters', parameter };
}

export const reason = (text: string): ParametersParameter => ({ name: 'reason', valueString: text });
export const receiver = (id: { system: string; value: string }): ParametersParameter => ({
  name: 'receiver',
  valueIdentifier: { ...id },
});

export interface WorkflowClient {
  t: TestGateway;
  token(client: string): Promise<string>;
  /** POST /fhir/{path} as `who`, with a Parameters body when given. */
  post(who: Who, path: string, body?: object): Promise<request.Response>;
  act(who: Who, taskId: string, action: string, params?: ParametersParameter[]): Promise<request.Response>;
  read<T>(who: Who, path: string): Promise<Omit<request.Response, 'body'> & { body: T }>;
  /** A new referral from the GP practice to the GGZ institution; the Task id. */
  referral(messageId: string): Promise<string>;
  /** A new referral Task brought into `status` by the usual actions. */
  taskIn(status: Task['status'], messageId: string): Promise<string>;
  outbox(receiver?: string): Promise<OutboxMessage[]>;
}

export function workflowClient(t: TestGateway): WorkflowClient {
  const token = tokens(t.app);
  const post = async (who: Who, path: string, body?: object): Promise<request.Response> => {
    const req = request(t.app)
      .post(path)
      .set('Authorization', `Bearer ${await token(CLIENT[who])}`);
    return body ? req.type(FHIR_JSON).send(JSON.stringify(body)) : req;
  };
  const act = (who: Who, taskId: string, action: string, params?: ParametersParameter[]) =>
    post(who, `/fhir/Task/${taskId}/$${action}`, params ? parameters(params) : undefined);
  const expectOk = async (res: Promise<request.Response>): Promise<void> => {
    const r = await res;
    if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body).slice(0, 600)}`);
  };
  // A client of its own per referral: the Task of a returning client is a case of its own.
  let clients = 0;
  const referral = async (messageId: string): Promise<string> =>
    (await sendReferral(t.app, await token(CLIENT.gp), { messageId, bsn: bsn(++clients) })).id;
  const STEPS: Partial<Record<Task['status'], [Who, string, ParametersParameter[]?][]>> = {
    requested: [],
    received: [['ggz', 'receive']],
    accepted: [['ggz', 'accept']],
    'in-progress': [
      ['ggz', 'accept'],
      ['ggz', 'start'],
    ],
    'on-hold': [['ggz', 'to-regional-table']],
    completed: [
      ['ggz', 'accept'],
      ['ggz', 'start'],
      ['ggz', 'complete'],
    ],
    rejected: [['ggz', 'reject', [reason('Past niet bij ons aanbod')]]],
    cancelled: [['gp', 'cancel', [reason('Dubbel verstuurd')]]],
  };
  return {
    t,
    token,
    post,
    act,
    read: async <T>(who: Who, path: string) =>
      (await request(t.app)
        .get(path)
        .set('Authorization', `Bearer ${await token(CLIENT[who])}`)) as Omit<request.Response, 'body'> & {
        body: T;
      },
    referral,
    async taskIn(status, messageId) {
      const steps = STEPS[status];
      if (!steps) throw new Error(`no way to ${status}`);
      const id = await referral(messageId);
      for (const [who, action, params] of steps) await expectOk(act(who, id, action, params));
      return id;
    },
    outbox: (to) => new Outbox(t.db).list({ ...(to ? { receiver: to } : {}), limit: 1000 }),
  };
}
