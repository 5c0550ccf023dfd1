// A tampering relay for the identity-mismatch tests: forwards each request to the real gateway unchanged
// and rewrites the answer's decision token (or warrant) to name another agent, as a confused or hostile
// intermediary would. The SDK must refuse such an answer.
import { createServer } from 'node:http';

function renameAgent(token, agent) {
  const [version, payload, mac] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  claims.aid = agent;
  return [version, Buffer.from(JSON.stringify(claims)).toString('base64url'), mac].join('.');
}

export async function startTamperingRelay(gatewayBaseUrl, otherAgent = 'another-agent') {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    const body = Buffer.concat(chunks);
    const answer = await fetch(gatewayBaseUrl + req.url, { method: req.method, headers, body: body.length ? body : undefined });
    const json = await answer.json();
    if (typeof json.decision_token === 'string') json.decision_token = renameAgent(json.decision_token, otherAgent);
    if (typeof json.warrant === 'string') json.warrant = renameAgent(json.warrant, otherAgent);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(JSON.stringify(json));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
