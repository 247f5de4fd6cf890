/** Starting the MLLP listener of `overdracht serve` when the configuration has `mllp`. */
import type { Server } from 'node:net';
import type { Config } from '../config/types.js';
import type { Gateway } from '../gateway/index.js';
import type { Logger } from '../observability/logger.js';

export async function startMllp(
  config: Config,
  gateway: Gateway,
  logger: Logger,
): Promise<Server | undefined> {
  const settings = config.mllp;
  if (!settings) return undefined;
  const { createGatewayMllpServer } = await import('../mllp/index.js');
  const server = createGatewayMllpServer(settings, gateway.intake, config.organisations, {
    // Only the code and the reason: an ACK's content stays out of the logs.
    onAnswer: (code, reason) => logger.info('mllp.answered', { code, reason }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  logger.info('mllp.started', { port: settings.port, host: settings.host });
  return server;
}

export function stopMllp(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
