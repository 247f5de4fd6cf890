/**
 * Authorisation as data: `access_grant` rows say which organisation may see which resource.
 * Intake writes them for the requester, owner and performer organisations of a referral; every
 * read checks one and every search joins on them. What has no grant does not exist for the
 * caller (404, never 403, so nothing leaks about other organisations' referrals).
 */
import type { AccessGrant, OrganisationKey } from '../intake/ports.js';
import type { Database } from '../store/database.js';
import { parseReference } from '../store/index-rows.js';
import { SqlParams } from '../store/search.js';
import type { InsertRows } from '../store/version-writes.js';

/** How an organisation is written in `access_grant.organisation`: `system|value`. */
export function organisationKey(org: OrganisationKey): string {
  return `${org.system}|${org.value}`;
}

/** SQL that holds when the resource row `alias` is granted to the organisation in `orgParam`. */
export function grantedSql(orgParam: string, alias = 'r'): string {
  return `EXISTS (SELECT 1 FROM access_grant g WHERE g.organisation = ${orgParam} AND g.resource_type = ${alias}.resource_type AND g.resource_id = ${alias}.id)`;
}

/** Rows per INSERT; a referral grants a few dozen. */
const ROWS_PER_INSERT = 500;

export class AccessGrants {
  constructor(private readonly db: Database) {}

  /** The same grants inside the transaction `tx`. */
  withDb(tx: Database): AccessGrants {
    return new AccessGrants(tx);
  }

  /** Records grants; one already held is kept as it is. */
  async add(grants: readonly AccessGrant[]): Promise<void> {
    const rows = grants.flatMap((g) => {
      const target = parseReference(g.reference);
      return target ? [[organisationKey(g.organisation), target.type, target.id]] : [];
    });
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const p = new SqlParams();
      const tuples = rows
        .slice(start, start + ROWS_PER_INSERT)
        .map((row) => `(${row.map((v) => p.add(v)).join(', ')})`);
      await this.db.query(
        `INSERT INTO access_grant (organisation, resource_type, resource_id) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
        p.values,
      );
    }
  }

  /** Grants as rows for a multi-row insert (`ResourceStore.writeVersions`); one already held is kept. */
  static rows(grants: readonly AccessGrant[]): InsertRows {
    return {
      table: 'access_grant',
      columns: [
        ['organisation', 'text'],
        ['resource_type', 'text'],
        ['resource_id', 'text'],
      ],
      rows: grants.flatMap((g) => {
        const target = parseReference(g.reference);
        return target
          ? [
              {
                organisation: organisationKey(g.organisation),
                resource_type: target.type,
                resource_id: target.id,
              },
            ]
          : [];
      }),
      ignoreConflicts: true,
    };
  }

  /** Gives whoever may see `from` the same access to `to` (a Provenance of a Task, for instance). */
  async copy(from: { type: string; id: string }, to: { type: string; id: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO access_grant (organisation, resource_type, resource_id)
       SELECT organisation, $3, $4 FROM access_grant WHERE resource_type = $1 AND resource_id = $2 ON CONFLICT DO NOTHING`,
      [from.type, from.id, to.type, to.id],
    );
  }

  async has(org: OrganisationKey, type: string, id: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT 1 FROM access_grant WHERE organisation = $1 AND resource_type = $2 AND resource_id = $3',
      [organisationKey(org), type, id],
    );
    return rows.length > 0;
  }

  /** The organisations that may see a resource (for tests and the privacy officer's view). */
  async holders(type: string, id: string): Promise<string[]> {
    const { rows } = await this.db.query<{ organisation: string }>(
      'SELECT organisation FROM access_grant WHERE resource_type = $1 AND resource_id = $2 ORDER BY organisation',
      [type, id],
    );
    return rows.map((r) => r.organisation);
  }
}
