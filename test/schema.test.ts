import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { printGatehouseSchema } from '../src/graphql/schema';

const committed = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');

it('the committed schema.graphql is what the code builds (run "npm run schema" after changing the API)', async () => {
  assert.equal(committed, await printGatehouseSchema());
});

it('schema.graphql shows the @auth directive and where it is applied', () => {
  assert.match(committed, /directive @auth\(roles: \[String!\]\) on OBJECT \| FIELD_DEFINITION/);
  assert.match(committed, /me: User! @auth\n/);
  assert.match(committed, /users: \[User!\]! @auth\(roles: \["admin"\]\)/);
  assert.match(committed, /tokenAuth\(username: String!, password: String!, deviceName: String\): AuthPayload!/);
  assert.match(committed, /refreshToken\(refreshToken: String, token: String\): AuthPayload!/);
});
