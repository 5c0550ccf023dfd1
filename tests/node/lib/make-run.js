// Starts `make run` itself: examples/run-demo.sh (the gateway with the example bundle and the demo
// upstreams program, examples/DemoUpstreams) on free loopback ports, with its own data directory and
// demo file, the demo's OpenAI key stored in the vault, and the bundle's rogue agent given its secret.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './gateway.js';

const PORT_VARIABLES = [
  'GATEWAY_PORT', 'GATEWAY_METRICS_PORT', 'DEMO_OPENAI_PORT', 'DEMO_CRM_PORT', 'DEMO_TICKETS_PORT',
  'DEMO_PAYMENTS_PORT', 'DEMO_MAIL_PORT', 'DEMO_BUILDHOST_PORT', 'DEMO_DOCS_PORT', 'DEMO_CONTEXT_PORT',
];

/** `env` adds environment values make run passes to the gateway (e.g. `Gateway__AccessTokens__Lifetime`). */
export async function startMakeRun({ readyTimeoutMs = 180_000, env: extra = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'gw-node-make-run-'));
  const adminToken = 'node-make-run-admin-token-' + randomBytes(8).toString('hex');
  const rogueSecret = 'rogue-agent-node-make-run-' + randomBytes(16).toString('hex');
  const env = { ...process.env };
  delete env.GATEWAY_URL;
  const taken = new Set();
  for (const name of PORT_VARIABLES) {
    let port;
    do port = await freePort(); while (taken.has(port));
    taken.add(port);
    env[name] = String(port);
  }
  Object.assign(env, {
    GATEWAY_DATA_DIR: join(work, 'data'),
    GATEWAY_DEMO_ENV: join(work, 'demo.env'),
    GATEWAY_DEMO_ADMIN_TOKEN: adminToken,
    ROGUE_AGENT_SECRET: rogueSecret,
    ...extra,
  });
  const baseUrl = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  // Its own process group, so stopping it stops the gateway and the upstreams with it.
  const child = spawn('bash', [join(REPO_ROOT, 'examples', 'run-demo.sh')], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  let exited = false;
  child.on('exit', () => { exited = true; });

  const stop = async () => {
    if (!exited) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      await new Promise((resolveExit) => { if (exited) resolveExit(); else child.once('exit', resolveExit); });
    }
    rmSync(work, { recursive: true, force: true });
  };

  try {
    // Readiness, not speed: the deadline only keeps a hung start from hanging the suite.
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (exited) throw new Error(`make run's demo stopped before it was ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`make run's demo did not become ready:\n${output}`);
      try {
        const ready = await fetch(`${baseUrl}/readyz`);
        if (ready.status === 200) break;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
    const stored = await fetch(`${baseUrl}/admin/v1/tenants/demo/credentials/openai-key`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'sk-demo-openai-key-for-node-make-run' }),
    });
    if (!stored.ok) throw new Error(`storing the demo OpenAI key: ${stored.status} ${await stored.text()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, adminToken, rogueSecret, stop };
}
