// The MCP Inspector's web UI (npm `@modelcontextprotocol/inspector`, the version package-lock.json pins), started as a
// person starts it: its Node backend on a free loopback port, the API guarded by a token of its own, secrets kept in
// memory, no browser opened for it, HOME a temporary directory (nothing read from or written to the real one), and one
// server in a read-only session file (`--config`).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from './gateway.js';

export const INSPECTOR = join(REPO_ROOT, 'tests', 'node', 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');

/**
 * Starts the Inspector's web UI with `servers` (the session file's `mcpServers`); resolves once it says it is up.
 * Returns `url` (the UI on `localhost`, its API token in the query as the Inspector's own banner prints it), `origin`,
 * the backend's `log`, and `close()`.
 */
export async function startInspectorWeb({ servers, readyTimeoutMs = 30_000 }) {
  const home = mkdtempSync(join(tmpdir(), 'gateway-inspector-'));
  const config = join(home, 'servers.json');
  writeFileSync(config, JSON.stringify({ mcpServers: servers }));
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('MCP_') || name === 'DANGEROUSLY_OMIT_AUTH' || name === 'ALLOWED_ORIGINS' || name === 'HOST') delete env[name];
  }
  Object.assign(env, {
    HOME: home,
    CLIENT_PORT: String(port),
    MCP_SANDBOX_PORT: '0',
    MCP_APP_ORIGIN_PORT: '0',
    MCP_AUTO_OPEN_ENABLED: 'false',
    MCP_INSPECTOR_API_TOKEN: token,
    MCP_INSPECTOR_SECRET_STORE: 'memory',
  });
  const child = spawn(process.execPath, [INSPECTOR, '--web', '--config', config], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let exited = null;
  const exitPromise = new Promise((resolveExit) => child.on('exit', (code, signal) => { exited = { code, signal }; resolveExit(); }));
  const ready = new Promise((resolveReady) => {
    const append = (chunk) => {
      log += chunk.toString();
      if (log.includes('is up and running')) resolveReady();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
  });
  const close = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (exited === null) child.kill('SIGKILL'); }, 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
  };
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`the Inspector did not start in ${readyTimeoutMs} ms:\n${log}`)), readyTimeoutMs); });
  try {
    await Promise.race([ready, exitPromise.then(() => { throw new Error(`the Inspector exited (${JSON.stringify(exited)}):\n${log}`); }), timeout]);
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const origin = `http://localhost:${port}`;
  return { origin, url: `${origin}/?MCP_INSPECTOR_API_TOKEN=${token}`, get log() { return log; }, close };
}

/**
 * Installed in the page before its scripts run: the Inspector's UI reads the MCP messages its backend relays on a
 * streamed `fetch` of `/api/mcp/events`; this keeps a copy of that stream in `window.__mcpEvents` (the UI still reads
 * its own), so a test can read the JSON-RPC answer the UI was given.
 */
export function recordMcpEvents() {
  window.__mcpEvents = '';
  const original = window.fetch;
  window.fetch = async (...args) => {
    const response = await original(...args);
    const url = String(args[0]?.url ?? args[0]);
    if (!url.includes('/api/mcp/events') || !response.body) return response;
    const [copy, theirs] = response.body.tee();
    (async () => {
      const reader = copy.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        window.__mcpEvents += decoder.decode(value, { stream: true });
      }
    })();
    return new Response(theirs, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The JSON-RPC messages recorded so far (`recordMcpEvents`), the answer to request `id` if given. */
export async function mcpMessages(page, id) {
  const text = await page.evaluate(() => window.__mcpEvents);
  const messages = text.split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => { try { return JSON.parse(line.slice(6)); } catch { return null; } })
    .filter((event) => event?.type === 'message')
    .map((event) => event.data);
  return id === undefined ? messages : messages.filter((m) => m.id === id && ('result' in m || 'error' in m));
}
