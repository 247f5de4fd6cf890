/**
 * The floor of the gateway benchmark: a bare express route that reads and parses the same body
 * and answers, in a process of its own like the gateway. `floor.ts PORT [WORKERS]`: with WORKERS
 * above 1, that many processes share the port through node:cluster, as `serve --workers` does.
 * Prints `listening <port>` when every process listens.
 */
import cluster from 'node:cluster';
import express from 'express';

const port = Number(process.argv[2] ?? 0);
const workers = Number(process.argv[3] ?? 1);

function serve(): void {
  const app = express();
  app.post(
    '/fhir/\\$process-message',
    express.json({ type: 'application/fhir+json', limit: '5mb' }),
    (req, res) => {
      const body = req.body as { resourceType?: unknown };
      res.status(200).json({ resourceType: 'OperationOutcome', received: body.resourceType });
    },
  );
  const server = app.listen(port, () => {
    if (cluster.isWorker) return;
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? String(address.port) : ''}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (cluster.isPrimary && workers > 1) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write(`listening ${String(port)}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.values(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  serve();
}
