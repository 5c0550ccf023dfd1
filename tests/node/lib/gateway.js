// Starts the REAL gateway binary (built by `make build`) against a temporary copy of the example bundle.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The gateway's build output: $GATEWAY_DLL, else artifacts/bin/Gateway.Proxy/<config>/gateway.dll (release preferred, newest first). */
export function locateGatewayDll() {
  if (process.env.GATEWAY_DLL) {
    if (!existsSync(process.env.GATEWAY_DLL)) throw new Error(`GATEWAY_DLL=${process.env.GATEWAY_DLL} does not exist`);
    return process.env.GATEWAY_DLL;
  }
  const root = join(REPO_ROOT, 'artifacts', 'bin', 'Gateway.Proxy');
  const candidates = existsSync(root)
    ? readdirSync(root)
        .map((config) => join(root, config, 'gateway.dll'))
        .filter((path) => existsSync(path))
        .sort((a, b) => rank(b) - rank(a) || statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  if (candidates.length === 0) {
    throw new Error(`No gateway build under ${root}; run \`make build\` first.`);
  }
  return candidates[0];

  function rank(path) {
    return /[\\/]release[\\/]/i.test(path) ? 1 : 0;
  }
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Copies examples/bundle into a temp dir, pointing the connectors at the given local upstreams; `edit`, when given,
 * changes each tenant file's text after that (to add catalog entries and permissions for a test).
 */
export function prepareBundle(workDir, upstreams, edit = (text) => text) {
  const bundle = join(workDir, 'bundle');
  cpSync(join(REPO_ROOT, 'examples', 'bundle'), bundle, { recursive: true });
  for (const name of readdirSync(bundle)) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = join(bundle, name);
    let text = readFileSync(path, 'utf8');
    for (const [from, to] of Object.entries(upstreams)) {
      if (!text.includes(from)) throw new Error(`${name} no longer has upstream ${from}`);
      text = text.split(from).join(to);
    }
    writeFileSync(path, edit(text));
  }
  return bundle;
}

/**
 * Starts the gateway; resolves once GET /readyz answers 200. `upstreams` maps the example bundle's
 * upstream URLs to local ones, `edit` changes the tenant file's text, `port` is the loopback port (a free one unless given). Always call `stop()` (it is idempotent).
 */
export async function startGateway({ upstreams = {}, edit, env: extraEnv = {}, port: chosenPort, readyTimeoutMs = 30_000 } = {}) {
  const dll = locateGatewayDll();
  const workDir = mkdtempSync(join(tmpdir(), 'gateway-node-'));
  const bundle = prepareBundle(workDir, upstreams, edit);
  const dataDir = join(workDir, 'data');
  const adminToken = randomBytes(32).toString('base64url');
  const adminTokenSha256 = createHash('sha256').update(adminToken, 'utf8').digest('hex');
  const port = chosenPort ?? await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const env = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
  for (const name of Object.keys(env)) {
    // Configuration from the caller's environment must not change the gateway under test.
    if (name.startsWith('Gateway__') || name.startsWith('GAMUT_') || name.startsWith('ASPNETCORE_') || name.startsWith('DOTNET_ENVIRONMENT')) delete env[name];
  }
  Object.assign(env, extraEnv);
  const args = [
    dll,
    '--environment', 'Development',
    '--urls', baseUrl,
    `--Gateway:Policy:BundlePath=${bundle}`,
    `--Gateway:DataDirectory=${dataDir}`,
    `--Gateway:Admin:BootstrapTokenSha256=${adminTokenSha256}`,
  ];
  const child = spawn('dotnet', args, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exited = null;
  const exitPromise = new Promise((resolveExit) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolveExit(exited);
  }));

  const gateway = {
    baseUrl,
    adminToken,
    workDir,
    dll,
    get log() { return log; },
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (exited === null) child.kill('SIGKILL'); }, 5_000);
        await exitPromise;
        clearTimeout(timer);
      }
      rmSync(workDir, { recursive: true, force: true });
    },
    /** PUT /admin/v1/tenants/{tenant}/credentials/{name}: the value travels in the JSON body only. */
    async putCredential(tenant, name, value) {
      const response = await fetch(`${baseUrl}/admin/v1/tenants/${encodeURIComponent(tenant)}/credentials/${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ value }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`credential put answered ${response.status}: ${text}`);
      return JSON.parse(text);
    },
  };

  try {
    await waitReady(gateway, () => exited, readyTimeoutMs);
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return gateway;
}

async function waitReady(gateway, exitedState, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitedState() !== null) {
      throw new Error(`gateway exited (${JSON.stringify(exitedState())}) before it was ready:\n${gateway.log.slice(-4000)}`);
    }
    try {
      const response = await fetch(`${gateway.baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) return;
    } catch (error) {
      last = String(error?.cause?.code ?? error);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`gateway not ready after ${timeoutMs} ms (last: ${last}):\n${gateway.log.slice(-4000)}`);
}
