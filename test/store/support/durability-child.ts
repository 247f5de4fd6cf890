/**
 * A gateway stand-in for the durability test: opens the database given as JSON in argv[2],
 * stores one Patient, prints `stored <id>` once the write has returned, and then idles until it
 * is killed.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { DatabaseConfig } from '../../../src/store/database.js';
import { openDatabase } from '../../../src/store/open.js';
import { ResourceStore } from '../../../src/store/resource-store.js';
import { SearchParamRegistry } from '../../../src/store/search-params.js';

const config = JSON.parse(process.argv[2] ?? '{}') as DatabaseConfig;
const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
};

const db = await openDatabase(config);
const store = new ResourceStore(db, { registry: new SearchParamRegistry(['Patient']) });
const { resource } = await store.create(patient);
process.stdout.write(`stored ${resource.id ?? ''}\n`);
setInterval(() => undefined, 60_000);
