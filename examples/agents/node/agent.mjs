// A minimal governed agent (Node): node examples/agents/node/agent.mjs (after `make run`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GamutClient, GamutDeniedError, GamutRateLimitedError, explainRefusal } from '../../../sdk/node/src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The five GAMUT_* values; for the demo, the file `make run` writes (GATEWAY_DEMO_ENV, default .gateway-data/demo.env)
// when they are not set.
function environment() {
  if (process.env.GAMUT_BASE_URL) return process.env;
  const file = process.env.GATEWAY_DEMO_ENV || join(root, '.gateway-data', 'demo.env');
  const demo = Object.fromEntries(readFileSync(file, 'utf8').split('\n')
    .filter((line) => /^GAMUT_[A-Z_]+=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2)));
  return { ...process.env, ...demo };
}

const gamut = GamutClient.fromEnv(environment());

// A limit that refuses (a rate limit, a token budget) ends the agent with when it resets, not a stack trace.
process.on('uncaughtException', (error) => {
  if (!(error instanceof GamutRateLimitedError)) throw error;
  const wait = error.retryAfterSeconds;
  const resets = wait == null ? 'when its window resets' : `in ${wait} s (at ${new Date(Date.now() + wait * 1000).toISOString()})`;
  console.error(`refused: ${error.code}: ${error.message}\n  it resets ${resets}; to reset the demo now: stop make run, then make demo-reset`);
  process.exit(3);
});

// 1. Read a contact: allowed; the gateway injects the CRM credential.
const contact = await gamut.invokeTool('crm.read_contact', { id: '42' });
console.log(`1. contact 42 (${contact.decision}):`, JSON.stringify(contact.result));

// 2. A shell command: refused, and the explanation says why.
try {
  await gamut.invokeTool('shell.exec', { cmd: 'rm -rf /' });
  throw new Error('the gateway let a shell command through');
} catch (error) {
  if (!(error instanceof GamutDeniedError)) throw error;
  console.log(`2. shell.exec refused:\n${explainRefusal(error)}`);
}

// 3. A refund: held for alice or bob; wait on the approval, then retry once with the warrant.
let announced = false;
const refund = await gamut.invokeTool('payments.refund', { order: 'A-1001', amount: 25 }, {
  waitForApproval: {
    deadlineMs: 10 * 60_000,
    onPending: (approval) => {
      if (announced) return;
      announced = true;
      console.log(`3. refund held for approval ${approval.id} by ${approval.approvers.join(' or ')}; approve it with:`);
      console.log(`   GATEWAY_ADMIN_TOKEN=$BOB gatewayctl approvals approve ${approval.id} --tenant demo`);
    },
  },
});
console.log(`   approved and done (${refund.decision}):`, JSON.stringify(refund.result));
