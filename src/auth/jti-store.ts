/**
 * The replay guard of client assertions, in the database: every gateway instance on the same
 * database sees every assertion id, so a captured assertion cannot be replayed against another
 * instance. Ids are kept until the assertion expires; expired ones are removed on the way.
 */
import type { Database } from '../store/database.js';
import type { JtiStore } from './smart.js';

/** Expired ids are removed on every n-th call, so cleaning costs little per request. */
const CLEAN_EVERY = 50;

export class DatabaseJtiStore implements JtiStore {
  private calls = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async remember(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    if (++this.calls % CLEAN_EVERY === 1) {
      await this.db.query('DELETE FROM auth_jti WHERE expires_at < $1::timestamptz', [
        this.now().toISOString(),
      ]);
    }
    // The primary key decides: of two uses at once, exactly one inserts.
    const inserted = await this.db.query(
      'INSERT INTO auth_jti (client_id, jti, expires_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT DO NOTHING',
      [clientId, jti, expiresAt.toISOString()],
    );
    return inserted.rowCount === 1;
  }
}
