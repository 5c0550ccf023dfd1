// A 3xx from the gateway is its error, as in the Python and .NET SDKs: GamutHttpError with code http_<status> (or the
// problem's code) and the status, and the request is never followed to the Location. Two real local servers: the
// stand-in gateway answering 307, and the Location it names, counting what reaches it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { GamutClient, GamutHttpError } from '../src/index.js';

const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: 'demo-secret-do-not-use-in-production-0123456789' };

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function close(server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('a redirect from the gateway', () => {
  let gateway;
  let elsewhere;
  let reachedElsewhere = 0;
  let status = 307;
  let problem;

  before(async () => {
    elsewhere = await listen((req, res) => {
      reachedElsewhere += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"decision":"allow","invoked":true}');
    });
    gateway = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        const headers = { location: `http://127.0.0.1:${elsewhere.address().port}${req.url}` };
        if (problem) headers['content-type'] = 'application/problem+json';
        res.writeHead(status, headers);
        res.end(problem ?? '');
      });
    });
  });
  after(async () => {
    await close(gateway);
    await close(elsewhere);
  });

  for (const code of [301, 302, 303, 307, 308]) {
    test(`evaluate: a ${code} is GamutHttpError http_${code} with its status, not followed`, async () => {
      [status, problem] = [code, undefined];
      const gamut = new GamutClient({ baseUrl: `http://127.0.0.1:${gateway.address().port}`, ...IDENTITY });
      const error = await assert.rejects(gamut.evaluate('crm.read_contact', { id: '42' }), (e) => e instanceof GamutHttpError
        && e.code === `http_${code}` && e.status === code && e.message.includes(`HTTP ${code}`));
      assert.equal(error, undefined);
      assert.equal(reachedElsewhere, 0);
    });
  }

  test('getApproval: a 307 with a problem body carries the problem\'s code', async () => {
    [status, problem] = [307, '{"code":"moved","detail":"Moved."}'];
    const gamut = new GamutClient({ baseUrl: `http://127.0.0.1:${gateway.address().port}`, ...IDENTITY });
    await assert.rejects(gamut.getApproval('apr_1'), (e) => e instanceof GamutHttpError && e.code === 'moved' && e.status === 307);
    assert.equal(reachedElsewhere, 0);
  });
});
