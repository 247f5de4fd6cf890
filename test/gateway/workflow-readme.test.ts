/**
 * The warm-handover walk-through of README.md, run as written: the first `sh` block of the
 * section "Warm handover" is read line by line - token commands, curl calls, `grep -o` into a
 * variable - and sent to the real app, so that the README cannot drift from what the gateway does.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, CarePlan, Composition, EpisodeOfCare, Task } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { freshSchema, postgresUrl } from '../store/support/targets.js';
import { openTestGateway, tokens, type TestGateway } from './support.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const BASE = 'http://localhost:8080';

/** The commands of the first sh block under `heading`, continuation lines joined, comments left out. */
function commands(heading: string): string[] {
  const section = README.slice(README.indexOf(`${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Shell words of one line: quotes, `$VAR` in double quotes and bare words, `\$` as `$`; `|` and `;` as words. */
function words(line: string, vars: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  let word: string | undefined;
  const expand = (s: string): string => s.replace(/\$(\w+)/g, (_m, n: string) => vars.get(n) ?? `$${n}`);
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let text = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && line[i + 1] === '$') {
          text += '\u0000';
          i++;
        } else text += line[i];
      }
      word = (word ?? '') + expand(text).replace(/\u0000/g, '$');
    } else if (ch === ' ' || ch === '|' || ch === ';') {
      if (word !== undefined) out.push(word);
      word = undefined;
      if (ch !== ' ') out.push(ch);
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) out.push(expand(word));
  return out;
}

interface Call {
  line: string;
  status: number;
  body: unknown;
}

/** Runs the walk-through; the answers of every curl call, in order. */
async function run(t: TestGateway, lines: readonly string[]): Promise<Call[]> {
  const token = tokens(t.app);
  const vars = new Map<string, string>();
  const files = new Map<string, string>();
  const calls: Call[] = [];
  for (const line of lines) {
    const tokenCmd = /^(\w+)=\$\(npx overdracht token --client ([\w-]+)\)$/.exec(line);
    const grepCmd = /^(\w+)=\$\(grep -o '([^']+)' (\S+) \| head -1\)$/.exec(line);
    if (tokenCmd) {
      vars.set(tokenCmd[1] ?? '', await token(tokenCmd[2] ?? ''));
    } else if (grepCmd) {
      const pattern = new RegExp((grepCmd[2] ?? '').replace(/\\\{(\d+)\\\}/g, '{$1}'));
      const found = pattern.exec(files.get(grepCmd[3] ?? '') ?? '')?.[0];
      if (!found) throw new Error(`${line}: nothing found`);
      vars.set(grepCmd[1] ?? '', found);
    } else if (line.startsWith('curl ')) {
      calls.push(await curl(t, words(line, vars), files, line));
    } else throw new Error(`the walk-through has a line this test cannot run: ${line}`);
  }
  return calls;
}

async function curl(t: TestGateway, w: string[], files: Map<string, string>, line: string): Promise<Call> {
  let method = 'GET';
  let url = '';
  let body: string | undefined;
  const headers: [string, string][] = [];
  let i = 1;
  for (; i < w.length && w[i] !== '|' && w[i] !== ';'; i++) {
    const arg = w[i] ?? '';
    if (arg === '-s') continue;
    else if (arg === '-X') method = w[++i] ?? '';
    else if (arg === '-H') {
      const [name = '', ...value] = (w[++i] ?? '').split(':');
      headers.push([name.trim(), value.join(':').trim()]);
    } else if (arg === '-d') body = w[++i];
    else if (arg === '--data-binary')
      body = readFileSync(new URL(`../../${(w[++i] ?? '').slice(1)}`, import.meta.url), 'utf8');
    else if (arg.startsWith(BASE)) url = arg.slice(BASE.length);
    else throw new Error(`${line}: unknown curl argument ${arg}`);
  }
  const tee = w.indexOf('tee');
  let req = method === 'POST' ? request(t.app).post(url) : request(t.app).get(url);
  for (const [name, value] of headers) req = req.set(name, value);
  const res = await (body !== undefined ? req.send(body) : req);
  if (tee > 0) files.set(w[tee + 1] ?? '', res.text);
  return { line, status: res.status, body: res.body as unknown };
}

/** The walk-through on one database driver: what the calls answered and what they stored. */
function walkThrough(
  name: string,
  open: () => Promise<TestGateway>,
  cleanUp: () => Promise<void> = async () => {},
): void {
  describe(name, () => {
    let t: TestGateway;
    let calls: Call[];

    beforeAll(async () => {
      t = await open();
      calls = await run(t, commands('## Warm handover'));
    });
    afterAll(async () => {
      await t.close();
      await cleanUp();
    });

    it('when the walk-through runs, then every call answers as the comments say', () => {
      const statuses = calls.map((c) => c.status);
      // The first $finish is refused: the handover is not yet accepted with an intake planned.
      expect(statuses).toEqual([200, 200, 409, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
    });

    it('when it has run, then the Task is completed, the episode finished and the feedback written', () => {
      const task = calls.at(-1)?.body as Task;
      expect(task.status).toBe('completed');
      const finished = calls.find((c) => (c.body as EpisodeOfCare).resourceType === 'EpisodeOfCare')
        ?.body as EpisodeOfCare;
      expect(finished.status).toBe('finished');
      const found = calls.at(-2)?.body as Bundle;
      expect(found.entry).toHaveLength(1);
      const feedback = found.entry?.[0]?.resource as Composition;
      expect(feedback.category?.[0]?.coding?.[0]?.code).toBe('treatment-completed');
      expect(feedback.subject).toEqual(task.for);
    });

    it('when treatment started, then the bridging care plan handed over ended', async () => {
      const planRef = ((calls.at(-1)?.body as Task).input ?? []).find(
        (i) => i.type.coding?.[0]?.code === 'CarePlan',
      )?.valueReference?.reference;
      const { rows } = await t.db.query<{ content: CarePlan }>(
        "SELECT content FROM resource WHERE resource_type = 'CarePlan' AND id = $1",
        [planRef?.split('/')[1] ?? ''],
      );
      expect(rows[0]?.content.status).toBe('completed');
    });
  });
}

walkThrough('README.md, Warm handover (embedded database)', () => openTestGateway());

describe.skipIf(postgresUrl === null)('on a PostgreSQL server', () => {
  let db: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  walkThrough(
    'README.md, Warm handover (PostgreSQL)',
    async () => {
      const schema = await freshSchema();
      drop = schema.drop;
      db = await openDatabase({ driver: 'pg', url: schema.url, poolSize: 4 });
      return openTestGateway({ database: db, config: { storage: { driver: 'pg', url: schema.url } } });
    },
    async () => {
      await db?.close();
      await drop?.();
    },
  );
});
