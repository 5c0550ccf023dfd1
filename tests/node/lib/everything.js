// @modelcontextprotocol/server-everything (a real MCP server nobody here wrote: tools, progress, sampling, resources,
// prompts, resumable streams) started with its streamable-HTTP transport on a free loopback port.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './gateway.js';

const require = createRequire(import.meta.url);

export async function startEverything({ readyTimeoutMs = 20_000 } = {}) {
  const main = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
  const port = await freePort();
  const child = spawn(process.execPath, [main, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  let exited = false;
  const exit = new Promise((resolveExit) => child.on('exit', () => { exited = true; resolveExit(); }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 3_000);
      await exit;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (!log.includes(`listening on port ${port}`)) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`server-everything did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}/mcp`, get log() { return log; }, stop };
}
