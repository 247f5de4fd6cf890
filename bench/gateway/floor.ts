/**
 * The floor of the gateway benchmark: a bare express route that reads and parses the same body
 * and answers, in a process of its own like the gateway. Prints `listening <port>` when ready.
 */
import express from 'express';

const app = express();
app.post(
  '/fhir/\\$process-message',
  express.json({ type: 'application/fhir+json', limit: '5mb' }),
  (req, res) => {
    const body = req.body as { resourceType?: unknown };
    res.status(200).json({ resourceType: 'OperationOutcome', received: body.resourceType });
  },
);
const server = app.listen(Number(process.argv[2] ?? 0), () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? String(address.port) : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
