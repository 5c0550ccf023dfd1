// The Node SDK's delegate() against the REAL gateway binary on loopback: a child client acting within its grant,
// refused beyond it, and a grant widening the parent refused with every widening named.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GamutClient, GamutDeniedError } from '../src/index.js';
import { rejection, useGateway } from './support/gateway.js';

describe('GamutClient.delegate against the real gateway', () => {
  const suite = useGateway(GamutClient);

  test('delegate returns a client signed as the child, allowed within its grant under its own id', async () => {
    const child = await suite.gamut.delegate({
      name: 'researcher',
      permissions: [{ tool: 'crm.read_contact', actionTypes: ['read'] }],
      dataClassCeiling: 'internal',
      ttlSeconds: 300,
      runId: 'run-sdk-node',
    });
    const action = await child.invokeTool('crm.read_contact', { id: '42' });
    assert.match(child.agentId, /^dlg-[a-z2-7]{26}$/);
    assert.equal(child.delegation.parent, 'demo-agent');
    assert.ok(child.delegation.expiresAt.getTime() - Date.now() <= 300_000);
    assert.equal(action.decision, 'allow');
    assert.deepEqual(action.explanation.actor_chain.map((link) => link.id), ['demo-agent', child.agentId]);
    assert.equal(action.explanation.actor_chain[1].run_id, 'run-sdk-node');
  });

  test('a child asking beyond its grant is denied', async () => {
    const child = await suite.gamut.delegate({ name: 'reader', permissions: [{ tool: 'crm.read_contact' }] });
    const error = await rejection(child.evaluate('crm.update_contact', { id: '42' }), GamutDeniedError);
    assert.ok(error instanceof GamutDeniedError);
    assert.equal(error.decision, 'block');
  });

  test('a grant widening the parent rejects with delegation_widens_authority naming each widening', async () => {
    const error = await rejection(suite.gamut.delegate({ name: 'too-much', permissions: [{ tool: 'shell.exec' }], atfLevel: 'L4' }), GamutDeniedError);
    assert.ok(error instanceof GamutDeniedError);
    assert.equal(error.code, 'delegation_widens_authority');
    assert.equal(error.status, 403);
    assert.deepEqual(error.problem.widenings.map((w) => w.kind), ['tool', 'atf_level']);
  });
});
