// The HTTP under every call of a GamutClient: one signed request to the gateway within the client's timeout, the typed
// error of a non-2xx answer, and the signing `fetch` given to provider-native clients and MCP transports.
import { findSecretMaterial } from './detector.js';
import {
  GamutApprovalRequiredError, GamutAuthenticationError, GamutConfigurationError, GamutDeniedError, GamutHttpError,
  GamutProtocolError, GamutRateLimitedError, GamutRunCancelledError, GamutRunEndedError, GamutSecretMaterialError, GamutTimeoutError,
} from './errors.js';
import { PERSON_HEADER, checkPersonToken, messageSignatureHeaders, signatureHeaders } from './signing.js';

/**
 * The signature headers: v1 HMAC with the secret, or RFC 9421 over `targetUri` with the agent's private key; either
 * covers `personToken` (X-Gamut-Person) and `runId` (X-Gamut-Run) when there are.
 */
export function signedHeaders(config, method, target, targetUri, body, headers, personToken, runId) {
  return config.agentKey
    ? messageSignatureHeaders(config, method, targetUri, body, Date.now(), personToken, runId)
    : signatureHeaders(config, method, target, body, Date.now(), headers, personToken, runId);
}

/** The longest `Retry-After` a 503 `decision_outdated` is waited out for before its one resend. */
export const MAX_OUTDATED_WAIT_SECONDS = 5;

/**
 * A signed JSON request: the answer's JSON body, or the typed error of a non-2xx answer. A 503 `decision_outdated` (refused
 * before anything was forwarded; the same request with a new nonce is decided afresh) is sent once more after its
 * `Retry-After` (1 s if none), when that wait is at most 5 s and shorter than what is left of the call's timeout; the
 * timeout bounds the whole call (both exchanges and the wait), so the resend has only what is left of it.
 */
export async function requestJson(config, method, target, body, options, personToken, runId) {
  const start = performance.now();
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const leftMs = () => timeoutMs - (performance.now() - start);
  const send = (leftOf) => exchange(config, method, target, body, { ...options, leftMs: leftOf }, 'application/json, application/problem+json', personToken, runId);
  let { response, text } = await send(undefined);
  let json = parseJson(text);
  const wait = outdatedWaitSeconds(response, json, leftMs());
  if (wait !== undefined) {
    await sleep(wait * 1000, options.signal);
    ({ response, text } = await send(leftMs()));
    json = parseJson(text);
  }
  if (response.status < 200 || response.status > 299) throw errorFor(response, json);
  if (json === undefined) throw new GamutProtocolError(`The gateway answered ${response.status} without a JSON body.`);
  return json;
}

function parseJson(text) {
  try {
    return text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The seconds to wait before resending a 503 `decision_outdated`, or undefined when it is not resent (over 5 s, or not shorter than `leftMs`). */
function outdatedWaitSeconds(response, problem, leftMs) {
  if (response.status !== 503 || problem?.code !== 'decision_outdated') return undefined;
  const wait = response.headers.get('retry-after') === null ? 1 : retryAfterSeconds(response);
  return wait !== undefined && wait <= MAX_OUTDATED_WAIT_SECONDS && wait * 1000 < leftMs ? wait : undefined;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signed request answered `{response, text}` whatever its status but a redirect; `options`: `{timeoutMs?, signal?,
 * personToken?, leftMs?}` (`leftMs`: what is left of the call's timeout, for a resend). A 3xx is never followed (the signed request stays with the gateway): it throws its typed error, code
 * `http_<status>` (or the problem's) with the status, as in the other SDKs.
 */
export async function exchange(config, method, target, body, options, accept, personToken, runId) {
  method = method.toUpperCase(); // sent as signed (the key-pair signature covers @method as sent)
  let bytes;
  if (body !== undefined) {
    const findings = findSecretMaterial(body);
    if (findings.length > 0) throw new GamutSecretMaterialError(findings);
    bytes = Buffer.from(JSON.stringify(body), 'utf8');
  }
  // A person's token (per call, else the client's) rides in X-Gamut-Person, the run in X-Gamut-Run, both covered by the signature.
  const headers = signedHeaders(config, method, target, config.baseUrl + target, bytes ?? new Uint8Array(0), undefined, options.personToken ?? personToken, runId);
  headers.Accept = accept;
  if (bytes) headers['Content-Type'] = 'application/json';
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const timeout = AbortSignal.timeout(Math.max(0, Math.ceil(options.leftMs ?? timeoutMs)));
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response;
  let text;
  try {
    response = await config.fetch(config.baseUrl + target, { method, headers, body: bytes, signal, redirect: 'manual' });
    text = await response.text();
  } catch (error) {
    if (error?.name === 'TimeoutError' || (error?.name === 'AbortError' && !options.signal?.aborted)) {
      throw new GamutTimeoutError(`No answer from the gateway within ${timeoutMs} ms; the call is not retried.`, { code: 'timeout', cause: error });
    }
    if (error?.name === 'AbortError') throw error;
    throw new GamutHttpError(`The gateway could not be reached: ${error?.cause?.code ?? error?.message}.`, { code: 'gateway_unreachable', cause: error });
  }
  if ((response.status >= 300 && response.status <= 399) || response.type === 'opaqueredirect') {
    let problem;
    try { problem = text.length > 0 ? JSON.parse(text) : undefined; } catch { problem = undefined; }
    throw errorFor(response, problem);
  }
  return { response, text };
}

/**
 * A `fetch` for provider-native clients: signs each request to the gateway as `personToken` and `runId` (unless it names
 * its own), refuses any other origin and secret material in a JSON body, and drops `authorization`.
 */
export async function signingFetch(config, personToken, runId, input, init = {}) {
  // A caller-set X-Gamut-Person is checked before fetch's own Headers reads it (whose error would repeat the value).
  const callerPerson = rawHeader(init.headers, PERSON_HEADER);
  if (callerPerson !== undefined) checkPersonToken(callerPerson);
  const request = new Request(input, init);
  const url = new URL(request.url);
  const base = new URL(config.baseUrl);
  if (url.origin !== base.origin) {
    throw new GamutConfigurationError(`Refused a request to ${url.origin}: a Gamut agent sends requests to its gateway only.`);
  }
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > 0 && /json/i.test(request.headers.get('content-type') ?? 'application/json')) {
    let parsed;
    try { parsed = JSON.parse(Buffer.from(body).toString('utf8')); } catch { parsed = undefined; }
    const findings = parsed === undefined ? [] : findSecretMaterial(parsed);
    if (findings.length > 0) throw new GamutSecretMaterialError(findings);
  }
  const target = url.pathname + url.search;
  const headers = new Headers(request.headers);
  headers.delete('authorization'); // the gateway injects the provider credential; nothing key-like leaves the agent
  const person = headers.get('x-gamut-person') ?? personToken;
  const run = headers.get('x-gamut-run') ?? runId;
  // The method is sent upper-cased, as it is signed: fetch keeps a lower-case `patch` (it normalises only six methods), and
  // the gateway reads @method as sent.
  const method = request.method.toUpperCase();
  // @target-uri is what the gateway rebuilds from the request as sent: no fragment (HTTP never sends one), no user info.
  for (const [name, value] of Object.entries(signedHeaders(config, method, target, url.origin + target, body, headers, person ?? undefined, run ?? undefined))) headers.set(name, value);
  const hasBody = !['GET', 'HEAD'].includes(method) && body.length > 0;
  // The client's timeout bounds the wait for the answer (its status and headers), as it bounds every other call; a
  // streamed body then flows for as long as it lasts, under the caller's own signal.
  const { timeoutMs } = config;
  const callerSignal = init.signal ?? request.signal; // a Request always has one
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new DOMException(`No answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  try {
    return await config.fetch(url, {
      method,
      headers,
      body: hasBody ? body : undefined,
      signal: AbortSignal.any([callerSignal, timer.signal]),
      redirect: 'error',
    });
  } catch (error) {
    if (timer.signal.aborted && !callerSignal.aborted) {
      throw new GamutTimeoutError(`No answer from the gateway within ${timeoutMs} ms; the call is not retried.`, { code: 'timeout', cause: timer.signal.reason });
    }
    throw error;
  } finally {
    clearTimeout(timeout);
  }
}

/** The value of the header `name` in a caller's `init.headers` (a plain object or `[name, value]` pairs); a `Headers` is read later. */
function rawHeader(headers, name) {
  if (headers === undefined || headers === null || headers instanceof Headers || typeof headers !== 'object') return undefined;
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  const found = entries.find((entry) => Array.isArray(entry) && String(entry[0]).toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : found[1];
}

/**
 * The answer a provider client gets for a request the SDK refused before sending: 400 with an OpenAI error object
 * (`code` the refusal's, `findings` where it was, `sent: false`), `x-should-retry: false` and `x-gamut-refused-by: sdk`.
 */
export function localRefusal(error) {
  const body = { error: { message: error.message, type: 'invalid_request_error', param: null, code: error.code, sent: false } };
  if (error.findings) body.error.findings = error.findings;
  return new Response(JSON.stringify(body), {
    status: 400,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', 'x-gamut-refused-by': 'sdk' },
  });
}

/** The seconds an answer's `Retry-After` header asks to wait, or undefined when it names none. */
export function retryAfterSeconds(response) {
  const text = response.headers.get('retry-after');
  const seconds = text === null || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** The typed error of a non-2xx answer (a problem+json body, or none). */
export function errorFor(response, problem) {
  const details = {
    status: response.status,
    code: problem?.code ?? `http_${response.status}`,
    decision: problem?.decision,
    explanation: problem?.explanation,
    requestId: problem?.request_id,
    problem,
    retryAfterSeconds: retryAfterSeconds(response),
  };
  const message = `${problem?.detail ?? `The gateway answered ${response.status}.`} (${details.code}, HTTP ${response.status})`;
  switch (response.status) {
    case 401: return new GamutAuthenticationError(message, details);
    case 403: return new GamutDeniedError(message, details);
    case 409:
      if (problem?.approval) return new GamutApprovalRequiredError(message, details);
      if (details.code === 'run_cancelled') return new GamutRunCancelledError(message, details);
      if (details.code === 'run_ended') return new GamutRunEndedError(message, details);
      return new GamutHttpError(message, details);
    case 429: return new GamutRateLimitedError(message, details, retryAfterSeconds(response));
    default: return new GamutHttpError(message, details);
  }
}
