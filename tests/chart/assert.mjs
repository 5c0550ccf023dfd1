// Assertions over charts/gateway, run by tests/chart/run.sh (which provides helm and the `yaml`
// package). Every check is one counted test; the count line goes to the file named by argv[2].
import { spawn, spawnSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = process.env.GATEWAY_ROOT;
const helm = process.env.HELM;
const YAML = createRequire(join(process.env.GATEWAY_CHART_TOOLS, "package.json"))("yaml");
const chart = join(root, "charts/gateway");
const countFile = process.argv[2];
const release = "gw";
const namespace = "agents";

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}
function attempt(name, fn) {
  try {
    check(name, fn());
  } catch (e) {
    check(name, false, e.message.split("\n")[0]);
  }
}

function run(args) {
  const r = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}
// No image is published: every install names the one it pushed (the chart refuses to render without it), as the
// quickstart's --set does; an invalid value set that writes `image:` itself is left to it.
const IMAGE = ["--set", "image.repository=registry.example.com/gateway"];
function render(valuesFile, extra = []) {
  const r = run(["template", release, chart, "-n", namespace, "-f", valuesFile, ...IMAGE, ...extra]);
  if (r.code !== 0) throw new Error(`helm template ${valuesFile} failed: ${r.err}`);
  return YAML.parseAllDocuments(r.out).map((d) => d.toJS()).filter((d) => d);
}
function notes(valuesFile, extra = []) {
  const r = run(["install", release, chart, "-n", namespace, "--dry-run=client", "-f", valuesFile, ...IMAGE, ...extra]);
  const at = r.out.indexOf("NOTES:");
  return at < 0 ? "" : r.out.slice(at);
}

const values = (name) => (/^values-/.test(name) ? join(root, "charts/gateway", name) : join(root, "tests/chart/values", name));
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name));
const all = (objs, kind) => objs.filter((o) => o.kind === kind);
const gw = (objs) => find(objs, "Deployment", `${release}-gateway`);
const container = (d) => d.spec.template.spec.containers.find((c) => c.name === "gateway");
const envOf = (d) => Object.fromEntries(container(d).env.map((e) => [e.name, e]));
const envValue = (d, name) => envOf(d)[name]?.value;
const secretRef = (d, name) => envOf(d)[name]?.valueFrom?.secretKeyRef;
const mount = (d, path) => container(d).volumeMounts.find((m) => m.mountPath === path);
const volume = (d, name) => d.spec.template.spec.volumes.find((v) => v.name === name);

// The embedded Redis: its container, its env by name, a Secret's value as the kubelet hands it over.
const redisContainer = (dep) => dep.spec.template.spec.containers.find((c) => c.name === "redis");
const envOfContainer = (c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
function secretString(secret, key) {
  if (secret?.stringData?.[key] !== undefined) return String(secret.stringData[key]);
  if (secret?.data?.[key] !== undefined) return Buffer.from(secret.data[key], "base64").toString();
  throw new Error(`Secret ${secret?.metadata?.name} has no key ${key}`);
}
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
// Starts redis-server as the rendered Deployment would (its env resolved from the rendered Secrets, $(VAR) in args
// expanded as the kubelet does, only the port moved to a free loopback one), then asks it over redis-cli.
function runRenderedRedis(dep, objs) {
  const server = spawnSync("sh", ["-c", "command -v redis-server && command -v redis-cli"], { encoding: "utf8" });
  if (server.status !== 0) throw new Error("redis-server / redis-cli not found (build/install-test-deps.sh installs them)");
  const c = redisContainer(dep);
  const env = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env[e.name] = ref ? secretString(find(objs, "Secret", ref.name), ref.key) : String(e.value ?? "");
  }
  const expand = (s) => s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => (m === "$$" ? "$" : n in env ? env[n] : m));
  const dir = mkdtempSync(join(tmpdir(), "chart-redis-"));
  let proc;
  try {
    let port;
    for (;;) {
      port = 20000 + Math.floor(Math.random() * 12000);
      if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).status !== 0) break;
    }
    const args = c.args.map(expand);
    args[args.indexOf("--port") + 1] = String(port);
    proc = spawn("redis-server", [...args, "--bind", "127.0.0.1", "--dir", dir], { cwd: dir, stdio: "ignore" });
    const cli = (auth, ...a) => {
      const e = { PATH: process.env.PATH };
      if (auth !== undefined) e.REDISCLI_AUTH = auth;
      return spawnSync("redis-cli", ["-p", String(port), ...a], { encoding: "utf8", env: e });
    };
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      up = cli(undefined, "ping").status === 0;
      if (!up) pause(50);
    }
    if (!up) throw new Error(`redis-server did not start on ${port}`);
    const password = env.REDIS_PASSWORD;
    const anonymous = cli(undefined, "ping").stdout.trim();
    const anonymousWrite = cli(undefined, "set", "gateway:nonce:x", "1").stdout.trim();
    const wrong = cli("not-the-password", "ping");
    const authed = cli(password, "ping").stdout.trim();
    // The liveness probe exactly as rendered, but for the port: with the container's env, without REDISCLI_AUTH, with a wrong one.
    // Its port moved: "-p 6379" in any word, or "-p PORT" added to a bare redis-cli.
    const rendered = c.livenessProbe.exec.command;
    const probe = rendered.some((w) => w.includes("-p 6379")) ? rendered.map((w) => w.replace("-p 6379", `-p ${port}`))
      : rendered[0] === "redis-cli" ? ["redis-cli", "-p", String(port), ...rendered.slice(1)] : null;
    if (!probe) throw new Error(`the liveness probe names no redis-cli port to move: ${JSON.stringify(rendered)}`);
    const runProbe = (auth) => {
      const e = { PATH: process.env.PATH };
      if (auth !== undefined) e.REDISCLI_AUTH = auth;
      return spawnSync(probe[0], probe.slice(1), { encoding: "utf8", env: e }).status;
    };
    const detail = { anonymous, anonymousWrite, wrong: (wrong.stdout + wrong.stderr).trim(), authed,
      probe: runProbe(env.REDISCLI_AUTH), probeNoAuth: runProbe(undefined), probeWrong: runProbe("not-the-password") };
    const ok = typeof password === "string" && password.length >= 32 && anonymous.startsWith("NOAUTH") &&
      anonymousWrite.startsWith("NOAUTH") && /WRONGPASS/.test(detail.wrong) && authed === "PONG" &&
      detail.probe === 0 && detail.probeNoAuth !== 0 && detail.probeWrong !== 0;
    if (!ok) throw new Error(JSON.stringify(detail));
    return true;
  } finally {
    if (proc) {
      proc.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

// Kubernetes schema validation, offline: the OpenAPI schemas as the kubernetes-models packages ship them.
const modelModule = {
  "": "kubernetes-models",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};
async function validateAgainstKubernetesSchema(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  const pkg = modelModule[group] ?? (group.endsWith(".k8s.io") || !group.includes(".") ? "kubernetes-models" : null);
  if (!pkg) throw new Error(`no schema known for ${obj.apiVersion} ${obj.kind}`);
  const file = join(process.env.GATEWAY_CHART_TOOLS, "node_modules", pkg, group, version, `${obj.kind}.js`);
  const Model = (await import(pathToFileURL(file).href))[obj.kind];
  new Model(obj).validate();
  return true;
}

// 1. helm lint over every valid value set (tests/chart/values and the chart's own values-*.yaml) ---
const chartValueFiles = readdirSync(chart).filter((f) => /^values-.+\.yaml$/.test(f)).sort();
const valueSets = [...readdirSync(join(root, "tests/chart/values")).filter((f) => f.endsWith(".yaml")).sort(), ...chartValueFiles];
for (const f of valueSets) {
  const r = run(["lint", chart, "--strict", "-f", values(f), ...IMAGE]);
  check(`lint --strict ${f}`, r.code === 0, r.out + r.err);
}

// 2. What every valid value set must render ---------------------------------------------------
const rendered = {};
for (const f of valueSets) {
  let objs;
  try {
    objs = render(values(f));
  } catch (e) {
    check(`template ${f}`, false, e.message);
    continue;
  }
  rendered[f] = objs;
  check(`template ${f}`, objs.length > 0);
  const d = gw(objs);
  check(`${f}: gateway Deployment rendered`, !!d);
  if (!d) continue;
  const pod = d.spec.template.spec;
  const c = container(d);
  const psc = pod.securityContext;
  const sc = c.securityContext;
  check(`${f}: every object named, namespaced and labelled`, objs.every((o) =>
    o.apiVersion && o.kind && o.metadata?.name && o.metadata.name.length <= 63 &&
    o.metadata.labels?.["app.kubernetes.io/managed-by"] === "Helm"));
  for (const o of objs) {
    try {
      check(`${f}: ${o.kind} ${o.metadata.name} is valid against the Kubernetes schema`, await validateAgainstKubernetesSchema(o));
    } catch (e) {
      check(`${f}: ${o.kind} ${o.metadata?.name} is valid against the Kubernetes schema`, false, e.message.split("\n")[0]);
    }
  }
  const generated = /^\s*generate:\s*true/m.test(readFileSync(values(f), "utf8"));
  // The embedded PostgreSQL's own Secret (its generated password) and the receipt key's are not the keys Secret.
  // Nor is the embedded Redis's (its generated password).
  const keySecrets = all(objs, "Secret").filter((s) => !s.metadata.name.endsWith("-postgres") && !s.metadata.name.endsWith("-receipt-keys") &&
    !s.metadata.name.endsWith("-redis"));
  check(`${f}: a Secret only with keys.generate: the keys Secret, kept on uninstall`, generated
    ? keySecrets.length === 1 && keySecrets[0].metadata.annotations["helm.sh/resource-policy"] === "keep"
    : keySecrets.length === 0);
  check(`${f}: pod runs as non-root with a fixed non-zero UID`, psc.runAsNonRoot === true && psc.runAsUser > 0);
  check(`${f}: seccomp RuntimeDefault`, psc.seccompProfile?.type === "RuntimeDefault");
  check(`${f}: read-only root filesystem, no privilege escalation, all capabilities dropped`,
    sc.readOnlyRootFilesystem === true && sc.allowPrivilegeEscalation === false &&
    JSON.stringify(sc.capabilities?.drop) === '["ALL"]');
  check(`${f}: writable /tmp is an emptyDir`, mount(d, "/tmp") && volume(d, mount(d, "/tmp").name)?.emptyDir);
  check(`${f}: no service account token mounted`, pod.automountServiceAccountToken === false);
  check(`${f}: probes: startup and liveness /healthz, readiness /readyz on 8080`,
    c.startupProbe?.httpGet?.path === "/healthz" && c.livenessProbe?.httpGet?.path === "/healthz" &&
    c.readinessProbe?.httpGet?.path === "/readyz" &&
    c.ports.some((p) => p.name === c.readinessProbe.httpGet.port && p.containerPort === 8080));
  const sleep = c.lifecycle?.preStop?.sleep?.seconds ?? Number(c.lifecycle?.preStop?.exec?.command?.[1]);
  const shutdownTimeout = Number(envValue(d, "shutdownTimeoutSeconds"));
  check(`${f}: the termination grace period exceeds the preStop sleep plus the host's shutdown timeout (env shutdownTimeoutSeconds)`,
    sleep > 0 && shutdownTimeout > 0 && pod.terminationGracePeriodSeconds > sleep + shutdownTimeout);
  check(`${f}: listens on 8080 in Production-style config`, envValue(d, "ASPNETCORE_URLS") === "http://+:8080");
  check(`${f}: the three keys come from Secrets`, ["DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY"]
    .every((k) => secretRef(d, k)?.name && secretRef(d, k)?.key && envOf(d)[k].value === undefined));
  const receiptValues = YAML.parse(readFileSync(values(f), "utf8"))?.receiptKeys ?? {};
  const receiptFile = envValue(d, "Gateway__Receipts__KeyRingFile");
  const receiptVolume = volume(d, mount(d, "/var/run/gateway/receipt-keys")?.name ?? "")?.secret;
  const receiptSecret = find(objs, "Secret", `${release}-gateway-receipt-keys`);
  attempt(`${f}: the receipt key ring file is a read-only mount of its Secret`, () =>
    mount(d, "/var/run/gateway/receipt-keys").readOnly === true && receiptFile === `/var/run/gateway/receipt-keys/${receiptVolume.items[0].path}` &&
    receiptVolume.items[0].key === receiptVolume.items[0].path);
  if (receiptValues.existingSecret) {
    attempt(`${f}: receipt keys from receiptKeys.existingSecret, none generated`, () =>
      receiptVolume.secretName === receiptValues.existingSecret && receiptVolume.items[0].key === (receiptValues.key ?? "receipt-keys.json") && !receiptSecret);
  } else {
    attempt(`${f}: a generated PEM ECDSA P-256 receipt key, kept on uninstall, mounted`, () => {
      const pem = Buffer.from(receiptSecret.data["receipt-key.pem"], "base64").toString();
      return createPrivateKey(pem).asymmetricKeyDetails.namedCurve === "prime256v1" && pem.startsWith("-----BEGIN EC PRIVATE KEY-----") &&
        receiptSecret.metadata.annotations["helm.sh/resource-policy"] === "keep" &&
        receiptVolume.secretName === receiptSecret.metadata.name && receiptVolume.items[0].key === "receipt-key.pem";
    });
  }
  const bundlePath = envValue(d, "Gateway__Policy__BundlePath");
  check(`${f}: policy bundle mounted read-only at Gateway__Policy__BundlePath`,
    bundlePath === "/etc/gateway/bundle" && mount(d, bundlePath)?.readOnly === true &&
    !!volume(d, mount(d, bundlePath).name)?.configMap?.name);
  check(`${f}: bundle mounted as a directory (no subPath, so ConfigMap edits reach the pod)`,
    !c.volumeMounts.some((m) => m.subPath));
  const svc = find(objs, "Service", `${release}-gateway`);
  check(`${f}: Service selects the gateway pods on 8080`, svc &&
    Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v) &&
    svc.spec.ports[0].targetPort === "http" && !("app.kubernetes.io/version" in svc.spec.selector));
  const names = c.env.map((e) => e.name);
  check(`${f}: downward-API variables defined before OTEL_RESOURCE_ATTRIBUTES uses them`,
    names.indexOf("POD_NAME") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES") &&
    names.indexOf("POD_NAMESPACE") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES") &&
    /k8s\.namespace\.name=\$\(POD_NAMESPACE\)/.test(envValue(d, "OTEL_RESOURCE_ATTRIBUTES")) &&
    /k8s\.pod\.name=\$\(POD_NAME\)/.test(envValue(d, "OTEL_RESOURCE_ATTRIBUTES")));
  check(`${f}: no duplicate env names`, new Set(names).size === names.length);
  check(`${f}: /metrics on its own port 9464: env, container port and Service port`,
    envValue(d, "Gateway__Metrics__Port") === "9464" && c.ports.some((p) => p.name === "metrics" && p.containerPort === 9464) &&
    svc.spec.ports.some((p) => p.name === "metrics" && p.port === 9464 && p.targetPort === "metrics"));
}

// 3. Per value set ----------------------------------------------------------------------------
const appVersion = YAML.parse(readFileSync(join(chart, "Chart.yaml"), "utf8")).appVersion;
{
  const f = "defaults-required.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: 2 replicas, no HPA`, () => d.spec.replicas === 2 && !find(objs, "HorizontalPodAutoscaler"));
  attempt(`${f}: image tag defaults to appVersion`, () => container(d).image === `registry.example.com/gateway:${appVersion}`);
  attempt(`${f}: Redis store, endpoint host:6379, no TLS, no password`, () =>
    envValue(d, "Gateway__Store__Kind") === "redis" &&
    envValue(d, "Gateway__Store__Redis__Endpoint") === "redis.data.svc.cluster.local:6379" &&
    envValue(d, "Gateway__Store__Redis__UseTls") === "false" && !envOf(d).Gateway__Store__Redis__Password);
  attempt(`${f}: all keys from keys.existingSecret with default key names`, () =>
    secretRef(d, "DATA_ENCRYPTION_KEY").name === "gateway-keys" && secretRef(d, "DATA_ENCRYPTION_KEY").key === "DATA_ENCRYPTION_KEY" &&
    secretRef(d, "DECISION_SIGNING_KEY").key === "DECISION_SIGNING_KEY" && secretRef(d, "GATEWAY_SERVICE_KEY").key === "GATEWAY_SERVICE_KEY");
  attempt(`${f}: Production environment`, () => envValue(d, "ASPNETCORE_ENVIRONMENT") === "Production");
  attempt(`${f}: the public base URL is passed, and no proxy is trusted by default`, () =>
    envValue(d, "Gateway__AccessTokens__PublicBaseUrl") === "https://gateway.example.com" &&
    !Object.keys(envOf(d)).some((n) => n.startsWith("Gateway__ForwardedHeaders__")));
  attempt(`${f}: policy ConfigMap holds the bundle files`, () =>
    find(objs, "ConfigMap", `${release}-gateway-policy`).data["tenants.yaml"].includes("slug: acme"));
  attempt(`${f}: bundle changes do not roll pods by default (hot reload)`, () =>
    !d.spec.template.metadata.annotations?.["checksum/policy"]);
  attempt(`${f}: PDB maxUnavailable 1`, () => find(objs, "PodDisruptionBudget").spec.maxUnavailable === 1);
  attempt(`${f}: soft pod anti-affinity by default`, () =>
    d.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.length === 1 &&
    !d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
  attempt(`${f}: ServiceAccount with automount off`, () => find(objs, "ServiceAccount").automountServiceAccountToken === false);
  attempt(`${f}: no ServiceMonitor or Redis by default`, () =>
    !find(objs, "ServiceMonitor") && !find(objs, "Deployment", `${release}-gateway-redis`));
  // Issue #68: the NetworkPolicy is on by default, ingress and egress both restricted.
  const defaultNp = find(objs, "NetworkPolicy", `${release}-gateway`);
  const releaseOnly = "[{\"podSelector\":{}}]";
  const monitoringOnly = "[{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"monitoring\"}}}]";
  attempt(`${f}: NetworkPolicy by default: 8080 from the release namespace only, the metrics port from the named scraper only`, () =>
    JSON.stringify(defaultNp.spec.policyTypes) === "[\"Ingress\",\"Egress\"]" && defaultNp.spec.ingress.length === 2 &&
    JSON.stringify(defaultNp.spec.ingress.map((i) => i.ports.map((p) => p.port))) === "[[8080],[9464]]" &&
    JSON.stringify(defaultNp.spec.ingress[0].from) === releaseOnly && JSON.stringify(defaultNp.spec.ingress[1].from) === monitoringOnly);
  const defaultEgress = defaultNp?.spec?.egress ?? [];
  const https = (cidr, excepted) => defaultEgress.some((e) => e.to?.[0]?.ipBlock?.cidr === cidr &&
    e.to[0].ipBlock.except.includes(excepted) && JSON.stringify(e.ports) === "[{\"port\":443,\"protocol\":\"TCP\"}]");
  attempt(`${f}: NetworkPolicy egress by default: DNS, Redis, HTTPS but to link-local (metadata) addresses, nothing else`, () =>
    defaultEgress.length === 4 && defaultEgress.some((e) => e.ports.some((p) => p.port === 53)) &&
    defaultEgress.some((e) => JSON.stringify(e.ports.map((p) => p.port)) === "[6379]") &&
    https("0.0.0.0/0", "169.254.0.0/16") && https("::/0", "fd00:ec2::254/128"));
  attempt(`${f}: OTEL service name is the release; no endpoint when unset`, () =>
    envValue(d, "OTEL_SERVICE_NAME") === release && !envOf(d).OTEL_EXPORTER_OTLP_ENDPOINT);
  attempt(`${f}: no bootstrap token or retired keys unless configured`, () =>
    !envOf(d).Gateway__Admin__BootstrapTokenSha256 && !envOf(d).DATA_ENCRYPTION_KEYS_RETIRED);
  const dash = find(objs, "ConfigMap", `${release}-gateway-dashboard`);
  attempt(`${f}: dashboard ConfigMap labelled grafana_dashboard=1`, () => dash.metadata.labels.grafana_dashboard === "1");
  attempt(`${f}: dashboard ConfigMap holds valid dashboard JSON`, () => JSON.parse(dash.data["gateway.json"]).panels.length > 10);
  const dashText = dash?.data?.["gateway.json"] ?? "";
  for (const m of ["gateway_decisions_total", "gateway_decision_duration_seconds_bucket", "gateway_requests_refused_total",
    "gateway_auth_replays_total", "gateway_store_duration_seconds_bucket", "gateway_store_errors_total",
    "gateway_ratelimit_refusals_total", "gateway_budget_refusals_total", "gateway_tokens_total", "gateway_redactions_total",
    "gateway_audit_append_duration_seconds_bucket", "gateway_approvals_pending", "gateway_policy_reloads_total",
    "http_server_request_duration_seconds_bucket"]) {
    check(`dashboard queries ${m}`, dashText.includes(m));
  }
  attempt(`${f}: NOTES check readyz through a port-forward to the Service`, () => {
    const n = notes(values(f));
    return n.includes(`port-forward svc/${release}-gateway 8080:8080`) && n.includes("/readyz") && n.includes("Redis TLS is off");
  });
}
{
  const f = "production.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: trusted proxy networks and addresses, with the forward limit`, () =>
    envValue(d, "Gateway__ForwardedHeaders__KnownNetworks__0") === "10.244.250.0/28" &&
    envValue(d, "Gateway__ForwardedHeaders__KnownNetworks__1") === "fd00:10:244:fa::/124" &&
    envValue(d, "Gateway__ForwardedHeaders__KnownProxies__0") === "192.0.2.10" &&
    envValue(d, "Gateway__ForwardedHeaders__ForwardLimit") === "1");
  attempt(`${f}: external Redis with TLS, SNI, ACL user, password from Secret, database`, () =>
    envValue(d, "Gateway__Store__Redis__Endpoint") === "redis.example.internal:6380" &&
    envValue(d, "Gateway__Store__Redis__UseTls") === "true" &&
    envValue(d, "Gateway__Store__Redis__TlsServerName") === "redis.example.internal" &&
    envValue(d, "Gateway__Store__Redis__User") === "gateway" &&
    envValue(d, "Gateway__Store__Redis__Database") === "2" &&
    secretRef(d, "Gateway__Store__Redis__Password").name === "gateway-redis" &&
    secretRef(d, "Gateway__Store__Redis__Password").key === "password");
  attempt(`${f}: NOTES name the standalone Redis's host and port`, () =>
    notes(values(f)).includes("State store: Redis at redis.example.internal:6380 (TLS on)"));
  attempt(`${f}: a key can come from its own Secret`, () =>
    secretRef(d, "DECISION_SIGNING_KEY").name === "gateway-signing-key" &&
    secretRef(d, "DATA_ENCRYPTION_KEY").name === "gateway-keys" && secretRef(d, "GATEWAY_SERVICE_KEY").name === "gateway-keys");
  attempt(`${f}: retired data keys from the data key's Secret`, () =>
    secretRef(d, "DATA_ENCRYPTION_KEYS_RETIRED").name === "gateway-keys" &&
    secretRef(d, "DATA_ENCRYPTION_KEYS_RETIRED").key === "DATA_ENCRYPTION_KEYS_RETIRED");
  attempt(`${f}: admin bootstrap token hash from Secret`, () =>
    secretRef(d, "Gateway__Admin__BootstrapTokenSha256").name === "gateway-admin");
  attempt(`${f}: HPA autoscaling/v2 on CPU and memory; Deployment leaves replicas to it`, () => {
    const h = find(objs, "HorizontalPodAutoscaler");
    return h.apiVersion === "autoscaling/v2" && h.spec.minReplicas === 3 && h.spec.maxReplicas === 12 &&
      h.spec.scaleTargetRef.name === d.metadata.name && h.spec.metrics.length === 2 && d.spec.replicas === undefined;
  });
  attempt(`${f}: PDB minAvailable 2 (and not maxUnavailable)`, () => {
    const p = find(objs, "PodDisruptionBudget");
    return p.apiVersion === "policy/v1" && p.spec.minAvailable === 2 && p.spec.maxUnavailable === undefined;
  });
  attempt(`${f}: rollOnChange puts the bundle checksum on the pod template`, () =>
    d.spec.template.metadata.annotations["checksum/policy"] ===
    find(objs, "ConfigMap", `${release}-gateway-policy`).metadata.annotations["gateway/bundle-sha256"]);
  attempt(`${f}: bundle files given as maps are rendered as YAML`, () =>
    YAML.parse(find(objs, "ConfigMap", `${release}-gateway-policy`).data["connectors.yaml"]).connectors[0].name === "openai");
  attempt(`${f}: credentials mounted read-only under the credentials root, one directory per tenant`, () =>
    mount(d, "/var/run/gateway/credentials/acme")?.readOnly &&
    volume(d, mount(d, "/var/run/gateway/credentials/acme").name).secret.secretName === "openai-credentials" &&
    volume(d, mount(d, "/var/run/gateway/credentials/globex").name).secret.secretName === "github-app" &&
    envValue(d, "Gateway__Credentials__Root") === "/var/run/gateway/credentials" &&
    envValue(d, "Gateway__Credentials__EnvironmentPerTenant") === "true");
  attempt(`${f}: OTLP endpoint, protocol and extra resource attributes`, () =>
    envValue(d, "OTEL_EXPORTER_OTLP_ENDPOINT") === "http://otel-collector.observability:4318" &&
    envValue(d, "OTEL_EXPORTER_OTLP_PROTOCOL") === "http/protobuf" &&
    envValue(d, "OTEL_RESOURCE_ATTRIBUTES").endsWith("deployment.environment=prod"));
  attempt(`${f}: topology spread gets the pod selector filled in`, () => {
    const t = d.spec.template.spec.topologySpreadConstraints[0];
    return t.topologyKey === "topology.kubernetes.io/zone" && t.labelSelector.matchLabels["app.kubernetes.io/instance"] === release;
  });
  attempt(`${f}: native preStop sleep`, () => container(d).lifecycle.preStop.sleep.seconds === 15 &&
    d.spec.template.spec.terminationGracePeriodSeconds === 60);
  const np = find(objs, "NetworkPolicy", `${release}-gateway`);
  attempt(`${f}: NetworkPolicy metrics port open to the named scraper only`, () =>
    np.spec.ingress.length === 2 && np.spec.ingress[1].ports[0].port === 9464 &&
    JSON.stringify(np.spec.ingress[1].from) === "[{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"monitoring\"}}}]");
  attempt(`${f}: NetworkPolicy ingress on 8080 from the agents' namespaces only`, () =>
    np.spec.ingress[0].ports[0].port === 8080 &&
    np.spec.ingress[0].from[0].namespaceSelector.matchLabels["gateway.example/agents"] === "true");
  const egress = np?.spec?.egress ?? [];
  attempt(`${f}: egress to DNS (UDP and TCP 53)`, () =>
    egress.some((e) => e.ports.some((p) => p.port === 53 && p.protocol === "UDP") && e.ports.some((p) => p.port === 53 && p.protocol === "TCP")));
  attempt(`${f}: egress to Redis CIDR on its port`, () =>
    egress.some((e) => e.ports[0].port === 6380 && e.to[0].ipBlock.cidr === "10.20.0.0/24"));
  attempt(`${f}: egress to the OTLP collector`, () =>
    egress.some((e) => e.ports[0].port === 4318 && e.to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] === "observability"));
  attempt(`${f}: egress to declared upstreams, with exceptions`, () =>
    egress.some((e) => e.to[0].ipBlock?.cidr === "0.0.0.0/0" && e.to[0].ipBlock.except.includes("169.254.169.254/32") &&
      e.ports[0].port === 443 && e.ports[0].protocol === "TCP"));
  attempt(`${f}: no other egress`, () => egress.length === 4);
}
{
  const f = "redis-cluster.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: a cluster's seed list, in order, with no single endpoint`, () =>
    envValue(d, "Gateway__Store__Redis__Topology") === "cluster" &&
    envValue(d, "Gateway__Store__Redis__Endpoints__0") === "redis-cluster-0.redis-cluster:6379" &&
    envValue(d, "Gateway__Store__Redis__Endpoints__2") === "redis-cluster-2.redis-cluster:6380" &&
    envValue(d, "Gateway__Store__Redis__Endpoint") === undefined && envValue(d, "Gateway__Store__Redis__ServiceName") === undefined);
  attempt(`${f}: TLS, ACL user and password from Secret on the cluster too`, () =>
    envValue(d, "Gateway__Store__Redis__UseTls") === "true" &&
    envValue(d, "Gateway__Store__Redis__TlsServerName") === "redis-cluster.example.internal" &&
    envValue(d, "Gateway__Store__Redis__User") === "gateway" &&
    secretRef(d, "Gateway__Store__Redis__Password").name === "gateway-redis");
  attempt(`${f}: writes wait for the replicas and time asked`, () =>
    envValue(d, "Gateway__Store__Redis__ReplicaAcknowledgements") === "2" &&
    envValue(d, "Gateway__Store__Redis__ReplicaAcknowledgementTimeout") === "00:00:00.050");
  attempt(`${f}: NOTES name the cluster's seeds, not an empty host (":6379")`, () => {
    const n = notes(values(f));
    return n.includes("State store: Redis Cluster, seeds redis-cluster-0.redis-cluster:6379, redis-cluster-1.redis-cluster:6379, redis-cluster-2.redis-cluster:6380 (TLS on)") &&
      !/Redis at :\d/.test(n);
  });
  attempt(`${f}: egress to Redis on the data port and every seed's port, once each`, () => {
    const np = find(objs, "NetworkPolicy", `${release}-gateway`);
    const redis = np.spec.egress.find((e) => e.ports.some((p) => p.port === 6380));
    return JSON.stringify(redis.ports.map((p) => p.port)) === "[6379,6380]" && redis.to === undefined;
  });
}
{
  const f = "redis-sentinel.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: the sentinels, the service name and the sentinels' own password from its Secret`, () =>
    envValue(d, "Gateway__Store__Redis__Topology") === "sentinel" &&
    envValue(d, "Gateway__Store__Redis__Endpoints__1") === "sentinel-1.sentinel:26379" &&
    envValue(d, "Gateway__Store__Redis__ServiceName") === "gateway-primary" &&
    secretRef(d, "Gateway__Store__Redis__SentinelPassword").name === "gateway-sentinel" &&
    secretRef(d, "Gateway__Store__Redis__SentinelPassword").key === "sentinel-password" &&
    envValue(d, "Gateway__Store__Redis__SentinelUser") === undefined);
  attempt(`${f}: replica acknowledgements left to the topology's default`, () =>
    envValue(d, "Gateway__Store__Redis__ReplicaAcknowledgements") === undefined);
  attempt(`${f}: NOTES name the sentinels and the service they watch, not an empty host (":6379")`, () => {
    const n = notes(values(f));
    return n.includes("State store: Redis primary gateway-primary, through the sentinels sentinel-0.sentinel:26379, sentinel-1.sentinel:26379, sentinel-2.sentinel:26379 (TLS off)") &&
      !/Redis at :\d/.test(n);
  });
  attempt(`${f}: egress to the data servers' port and the sentinels'`, () => {
    const np = find(objs, "NetworkPolicy", `${release}-gateway`);
    return np.spec.egress.some((e) => JSON.stringify(e.ports.map((p) => p.port)) === "[6379,26379]");
  });
}
{
  const f = "embedded-postgres.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const p = find(objs, "StatefulSet", `${release}-gateway-postgres`);
  attempt(`${f}: embedded PostgreSQL StatefulSet with a volume, and its Service`, () =>
    p.spec.replicas === 1 && p.spec.volumeClaimTemplates[0].spec.resources.requests.storage === "2Gi" &&
    find(objs, "Service", `${release}-gateway-postgres`).spec.ports[0].port === 5432);
  attempt(`${f}: journal on PostgreSQL, connection string mounted from the generated Secret as a file`, () =>
    envValue(d, "Gateway__Audit__Sink") === "postgres" &&
    envValue(d, "Gateway__Store__Postgres__ConnectionStringFile") === "/var/run/gateway/postgres/connection-string" &&
    volume(d, mount(d, "/var/run/gateway/postgres").name).secret.secretName === `${release}-gateway-postgres` &&
    find(objs, "Secret", `${release}-gateway-postgres`).stringData["connection-string"].startsWith(`Host=${release}-gateway-postgres;`));
  attempt(`${f}: PostgreSQL runs non-root`, () => p.spec.template.spec.securityContext.runAsNonRoot === true);
  attempt(`${f}: PostgreSQL NetworkPolicy admits only the gateway's pods, on 5432, and no egress`, () => {
    const n = find(objs, "NetworkPolicy", `${release}-gateway-postgres`);
    const gwLabels = d.spec.template.metadata.labels;
    const from = n.spec.ingress[0].from;
    return JSON.stringify(n.spec.podSelector.matchLabels) === JSON.stringify(p.spec.selector.matchLabels) &&
      n.spec.ingress.length === 1 && from.length === 1 && Object.keys(from[0]).join() === "podSelector" &&
      Object.entries(from[0].podSelector.matchLabels).every(([k, v]) => gwLabels[k] === v) &&
      from[0].podSelector.matchLabels["app.kubernetes.io/component"] === "gateway" &&
      JSON.stringify(n.spec.ingress[0].ports) === '[{"port":5432,"protocol":"TCP"}]' &&
      JSON.stringify(n.spec.policyTypes) === '["Ingress","Egress"]' && JSON.stringify(n.spec.egress) === "[]";
  });
  attempt(`${f} --set networkPolicy.enabled=false: no PostgreSQL NetworkPolicy`, () =>
    !find(render(values(f), ["--set", "networkPolicy.enabled=false"]), "NetworkPolicy", `${release}-gateway-postgres`));
}
{
  const f = "external-postgres.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: the external connection string comes from the named Secret key, migrations left to gatewayctl`, () =>
    volume(d, mount(d, "/var/run/gateway/postgres").name).secret.secretName === "gateway-postgres" &&
    volume(d, mount(d, "/var/run/gateway/postgres").name).secret.items[0].key === "dsn" &&
    envValue(d, "Gateway__Store__Postgres__MigrateOnStart") === "false" &&
    !find(objs, "StatefulSet", `${release}-gateway-postgres`));
}
{
  const f = "external-postgres-hosts.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const connection = envValue(d, "Gateway__Store__Postgres__ConnectionString") ?? "";
  attempt(`${f}: the chart writes a connection string with every host and the writable primary targeted, and no password in it`, () =>
    connection.startsWith("Host=pg-0.db.internal:5432,pg-1.db.internal:6432;Database=gateway;Username=gateway;") &&
    connection.includes(";Target Session Attributes=read-write;Host Recheck Seconds=3;") &&
    !/password/i.test(connection) && envValue(d, "Gateway__Store__Postgres__ConnectionStringFile") === undefined);
  attempt(`${f}: the password is mounted from its Secret key as a file`, () =>
    envValue(d, "Gateway__Store__Postgres__PasswordFile") === "/var/run/gateway/postgres-password/password" &&
    volume(d, mount(d, "/var/run/gateway/postgres-password").name).secret.secretName === "gateway-postgres-password" &&
    volume(d, mount(d, "/var/run/gateway/postgres-password").name).secret.items[0].key === "pw");
  attempt(`${f}: TLS verifies the server against the mounted CA and presents the mounted client certificate`, () =>
    connection.includes(";SSL Mode=VerifyFull;Root Certificate=/var/run/gateway/postgres-tls/ca/ca.crt;") &&
    connection.endsWith(";SSL Certificate=/var/run/gateway/postgres-tls/client/tls.crt;SSL Key=/var/run/gateway/postgres-tls/client/tls.key") &&
    volume(d, mount(d, "/var/run/gateway/postgres-tls/ca").name).secret.secretName === "postgres-ca" &&
    volume(d, mount(d, "/var/run/gateway/postgres-tls/client").name).secret.secretName === "gateway-postgres-client");
  attempt(`${f}: partitions kept 14 days ahead`, () => envValue(d, "Gateway__Store__Postgres__AuditPartitionDaysAhead") === "14");
  const egress = (find(objs, "NetworkPolicy", `${release}-gateway`)?.spec?.egress ?? []).flatMap((e) => (e.ports ?? []).map((p) => p.port));
  attempt(`${f}: egress open to each PostgreSQL port the hosts name`, () => egress.includes(5432) && egress.includes(6432));
}
// postgres.migrations.mode: by default a pre-install,pre-upgrade hook Job migrates the schema before the pods start, so a
// long migration is never inside the start-up probe's window (killed halfway, restarted, killed again); the pods do not.
const migrateName = `${release}-gateway-migrate`;
const migrateJob = (objs) => find(objs, "Job", migrateName);
const migrateObjects = (objs) => objs.filter((o) => o.metadata?.labels?.["app.kubernetes.io/component"] === "migrate");
const migrateContainer = (j) => j.spec.template.spec.containers.find((c) => c.name === "migrate");
const hookOf = (o) => o?.metadata?.annotations ?? {};
const isMigrateHook = (o, weight) => hookOf(o)["helm.sh/hook"] === "pre-install,pre-upgrade" &&
  hookOf(o)["helm.sh/hook-delete-policy"] === "before-hook-creation,hook-succeeded" && hookOf(o)["helm.sh/hook-weight"] === weight;
const migrateOnStart = (objs) => envValue(gw(objs), "Gateway__Store__Postgres__MigrateOnStart");
// What the Job's container gets of the PostgreSQL connection: its env and, for each mount, the Secret and items behind it.
function connectionOf(pod, c) {
  const env = (c.env ?? []).filter((e) => e.name.startsWith("Gateway__Store__Postgres__") && e.name !== "Gateway__Store__Postgres__MigrateOnStart" &&
    e.name !== "Gateway__Store__Postgres__AuditPartitionDaysAhead");
  const mounts = c.volumeMounts.filter((m) => m.mountPath.startsWith("/var/run/gateway/postgres"))
    .map((m) => ({ path: m.mountPath, readOnly: m.readOnly, secret: pod.volumes.find((v) => v.name === m.name).secret }));
  return JSON.stringify({ env, mounts });
}
{
  const f = "postgres-migrate-job.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const j = migrateJob(objs);
  attempt(`${f}: by default a pre-install,pre-upgrade hook Job migrates (deleted before the next and once it succeeds)`, () =>
    j.apiVersion === "batch/v1" && isMigrateHook(j, "0") && j.spec.template.spec.restartPolicy === "Never");
  attempt(`${f}: the Job's retries and deadline from values: backoffLimit 2, activeDeadlineSeconds 3600 by default`, () =>
    j.spec.backoffLimit === 2 && j.spec.activeDeadlineSeconds === 3600);
  attempt(`${f}: the gateway's pods do not migrate at start-up (Gateway__Store__Postgres__MigrateOnStart=false)`, () =>
    migrateOnStart(objs) === "false");
  attempt(`${f}: the Job runs the gateway's image, its entrypoint with the migrate argument`, () => {
    const c = migrateContainer(j);
    return c.image === container(d).image && c.imagePullPolicy === container(d).imagePullPolicy &&
      c.command === undefined && JSON.stringify(c.args) === '["migrate"]';
  });
  attempt(`${f}: the Job reaches PostgreSQL as the gateway does: the same env and the same Secret, key and file`, () => {
    const conn = connectionOf(j.spec.template.spec, migrateContainer(j));
    return conn === connectionOf(d.spec.template.spec, container(d)) && conn.includes('"secretName":"gateway-postgres"') &&
      conn.includes('"key":"dsn"') && conn.includes("Gateway__Store__Postgres__ConnectionStringFile");
  });
  attempt(`${f}: the Job's pod has the gateway's hardening, pull secrets and node selector, and no service account token`, () => {
    const pod = j.spec.template.spec;
    const gp = d.spec.template.spec;
    return JSON.stringify(pod.securityContext) === JSON.stringify(gp.securityContext) &&
      JSON.stringify(migrateContainer(j).securityContext) === JSON.stringify(container(d).securityContext) &&
      JSON.stringify(pod.imagePullSecrets) === JSON.stringify(gp.imagePullSecrets) && pod.imagePullSecrets?.[0]?.name === "registry-credentials" &&
      JSON.stringify(pod.nodeSelector) === JSON.stringify(gp.nodeSelector) && pod.automountServiceAccountToken === false &&
      pod.volumes.some((v) => v.name === "tmp" && v.emptyDir) && migrateContainer(j).volumeMounts.some((m) => m.mountPath === "/tmp");
  });
  attempt(`${f}: the Job gets none of the gateway's keys: no Secret in its env, only the PostgreSQL connection mounted`, () => {
    const c = migrateContainer(j);
    return c.env.every((e) => e.valueFrom === undefined) &&
      j.spec.template.spec.volumes.every((v) => v.name === "tmp" || v.secret?.secretName === "gateway-postgres");
  });
  attempt(`${f}: the Job's pod is its own component: not behind the gateway's Service, NetworkPolicy or PodDisruptionBudget`, () => {
    const labels = j.spec.template.metadata.labels;
    const selects = (sel) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    return labels["app.kubernetes.io/component"] === "migrate" && !selects(find(objs, "Service", `${release}-gateway`).spec.selector) &&
      !selects(find(objs, "NetworkPolicy", `${release}-gateway`).spec.podSelector.matchLabels) &&
      !selects(find(objs, "PodDisruptionBudget").spec.selector.matchLabels);
  });
  attempt(`${f}: its own ServiceAccount, a hook created before the Job (the release's is not there yet on install), no token`, () => {
    const sa = find(objs, "ServiceAccount", migrateName);
    return isMigrateHook(sa, "-10") && sa.automountServiceAccountToken === false && j.spec.template.spec.serviceAccountName === migrateName;
  });
  attempt(`${f}: its own NetworkPolicy, a hook created before the Job: egress to DNS and PostgreSQL (5432) only, no ingress`, () => {
    const n = find(objs, "NetworkPolicy", migrateName);
    const ports = n.spec.egress.map((e) => e.ports.map((p) => `${p.port}/${p.protocol}`).join());
    return isMigrateHook(n, "-10") && JSON.stringify(n.spec.podSelector.matchLabels) === JSON.stringify(j.spec.template.metadata.labels) &&
      JSON.stringify(n.spec.policyTypes) === '["Ingress","Egress"]' && JSON.stringify(n.spec.ingress) === "[]" &&
      JSON.stringify(ports) === '["53/UDP,53/TCP","5432/TCP"]' && n.spec.egress[1].to === undefined;
  });
  attempt(`${f} --set serviceAccount.create=false,serviceAccount.name=gw-sa: the Job runs as that existing account, none is made`, () => {
    const o = render(values(f), ["--set", "serviceAccount.create=false", "--set", "serviceAccount.name=gw-sa"]);
    return migrateJob(o).spec.template.spec.serviceAccountName === "gw-sa" && !find(o, "ServiceAccount", migrateName);
  });
  attempt(`${f} --set networkPolicy.enabled=false: no NetworkPolicy for the Job either`, () => {
    const o = render(values(f), ["--set", "networkPolicy.enabled=false"]);
    return !!migrateJob(o) && !find(o, "NetworkPolicy");
  });
  attempt(`${f} --set postgres.migrations.job.backoffLimit=0,activeDeadlineSeconds=7200: reach the Job`, () => {
    const o = migrateJob(render(values(f), ["--set", "postgres.migrations.job.backoffLimit=0", "--set", "postgres.migrations.job.activeDeadlineSeconds=7200"]));
    return o.spec.backoffLimit === 0 && o.spec.activeDeadlineSeconds === 7200;
  });
  attempt(`${f} --set postgres.migrations.job.podAnnotations: laid over podAnnotations on the Job's pod only (a mesh's sidecar kept out)`, () => {
    const o = render(values(f), ["--set-string", "podAnnotations.team=payments", "--set-string", "podAnnotations.sidecar\\.istio\\.io/inject=true",
      "--set-string", "postgres.migrations.job.podAnnotations.sidecar\\.istio\\.io/inject=false"]);
    const job = migrateJob(o).spec.template.metadata.annotations ?? {};
    const pod = gw(o).spec.template.metadata.annotations ?? {};
    return job["sidecar.istio.io/inject"] === "false" && job.team === "payments" &&
      pod["sidecar.istio.io/inject"] === "true" && pod.team === "payments";
  });
  attempt(`${f}: without either, the Job's pod has no annotations`, () => !(migrateJob(objs).spec.template.metadata.annotations));
  for (const [set, want] of [["postgres.migrations.mode=onStart", "true"], ["postgres.migrations.mode=off", "false"],
    ["postgres.migrations.mode=false", "false"], ["postgres.migrateOnStart=true", "true"], ["postgres.migrateOnStart=false", "false"]]) {
    attempt(`${f} --set ${set}: no migration Job, ServiceAccount or NetworkPolicy; MigrateOnStart=${want}`, () => {
      const o = render(values(f), ["--set", set]);
      return migrateObjects(o).length === 0 && migrateOnStart(o) === want;
    });
  }
  attempt(`${f} --set postgres.migrations.mode=job,postgres.migrateOnStart=true: the deprecated setting, when given, is honoured`, () => {
    const o = render(values(f), ["--set", "postgres.migrations.mode=job", "--set", "postgres.migrateOnStart=true"]);
    return !migrateJob(o) && migrateOnStart(o) === "true";
  });
  attempt(`${f} --set postgres.enabled=false: no migration Job`, () => migrateObjects(render(values(f), ["--set", "postgres.enabled=false"])).length === 0);
  attempt(`${f}: NOTES name the migration Job and the --timeout it needs; the deprecated migrateOnStart is called out`, () => {
    const n = notes(values(f));
    const legacy = notes(values(f), ["--set", "postgres.migrateOnStart=false"]);
    return n.includes(`logs job/${migrateName}`) && n.includes("--timeout") && !n.includes("deprecated") &&
      legacy.includes("postgres.migrateOnStart is deprecated: set postgres.migrations.mode");
  });
}
{
  const f = "postgres-migrate-onstart.yaml";
  const objs = rendered[f] ?? [];
  attempt(`${f}: mode onStart: no hook Job, each pod migrates at start-up (MigrateOnStart=true)`, () =>
    migrateObjects(objs).length === 0 && migrateOnStart(objs) === "true");
}
{
  const f = "embedded-postgres.yaml";
  const objs = rendered[f] ?? [];
  attempt(`${f}: the embedded PostgreSQL (made by the same release, not there when a pre-install hook runs) migrates on start, no Job`, () =>
    migrateObjects(objs).length === 0 && migrateOnStart(objs) === "true");
}
{
  const f = "external-postgres.yaml";
  const objs = rendered[f] ?? [];
  attempt(`${f}: the deprecated migrateOnStart: false is honoured as mode off: no Job, the pods do not migrate`, () =>
    migrateObjects(objs).length === 0 && migrateOnStart(objs) === "false");
}
{
  const f = "external-postgres-hosts.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const j = migrateJob(objs);
  attempt(`${f}: the Job gets the chart's connection string, the password file, the CA and the client certificate as the gateway does`, () => {
    const conn = connectionOf(j.spec.template.spec, migrateContainer(j));
    return conn === connectionOf(d.spec.template.spec, container(d)) && conn.includes("Gateway__Store__Postgres__PasswordFile") &&
      conn.includes('"secretName":"postgres-ca"') && conn.includes('"secretName":"gateway-postgres-client"') && migrateOnStart(objs) === "false";
  });
  attempt(`${f}: the Job's NetworkPolicy opens each PostgreSQL port the hosts name`, () =>
    JSON.stringify(find(objs, "NetworkPolicy", migrateName).spec.egress[1].ports.map((p) => p.port)) === "[5432,6432]");
}
{
  const f = "embedded-redis.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const r = find(objs, "Deployment", `${release}-gateway-redis`);
  attempt(`${f}: embedded Redis Deployment and Service`, () =>
    r.spec.replicas === 1 && find(objs, "Service", `${release}-gateway-redis`).spec.ports[0].port === 6379);
  attempt(`${f}: gateway points at the embedded Redis`, () =>
    envValue(d, "Gateway__Store__Redis__Endpoint") === `${release}-gateway-redis:6379`);
  attempt(`${f}: embedded Redis runs non-root with a read-only root filesystem`, () =>
    r.spec.template.spec.securityContext.runAsNonRoot === true &&
    r.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem === true);
  attempt(`${f}: Redis and gateway selectors do not overlap`, () => {
    const svc = find(objs, "Service", `${release}-gateway`);
    return !Object.entries(svc.spec.selector).every(([k, v]) => r.spec.template.metadata.labels[k] === v);
  });
  attempt(`${f}: existing policy ConfigMap used, none rendered`, () =>
    volume(d, "policy").configMap.name === "my-bundle" && !find(objs, "ConfigMap", `${release}-gateway-policy`));
  attempt(`${f}: Redis NetworkPolicy admits only the gateway`, () => {
    const n = find(objs, "NetworkPolicy", `${release}-gateway-redis`);
    return n.spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/component"] === "gateway";
  });
  attempt(`${f}: gateway egress to the Redis pods; ingress from its own namespace when no source is set`, () => {
    const n = find(objs, "NetworkPolicy", `${release}-gateway`);
    return n.spec.egress.some((e) => e.to?.[0]?.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "redis") &&
      JSON.stringify(n.spec.ingress[0].from) === "[{\"podSelector\":{}}]";
  });
  attempt(`${f}: NOTES warn that embedded Redis is for trials only`, () => notes(values(f)).includes("TRIALS ONLY"));
  // The embedded Redis requires a password: without one, any pod that reaches its Service (every pod in the cluster when
  // networkPolicy is off, or one that slips past it) reads and writes every nonce, kill switch, approval and audit record.
  const redisSecretName = `${release}-gateway-redis`;
  attempt(`${f}: embedded Redis requires a password: --requirepass $(REDIS_PASSWORD), the variable from the generated Secret, no literal`, () => {
    const c = redisContainer(r);
    const at = c.args.indexOf("--requirepass");
    const ref = envOfContainer(c).REDIS_PASSWORD.valueFrom.secretKeyRef;
    return at >= 0 && c.args[at + 1] === "$(REDIS_PASSWORD)" && envOfContainer(c).REDIS_PASSWORD.value === undefined &&
      ref.name === redisSecretName && ref.key === "redis-password";
  });
  attempt(`${f}: embedded Redis liveness probe authenticates (REDISCLI_AUTH from the same Secret key) and wants PONG`, () => {
    const c = redisContainer(r);
    const ref = envOfContainer(c).REDISCLI_AUTH.valueFrom.secretKeyRef;
    const cmd = c.livenessProbe.exec.command;
    return ref.name === redisSecretName && ref.key === "redis-password" && envOfContainer(c).REDISCLI_AUTH.value === undefined &&
      cmd[0] === "sh" && cmd[1] === "-c" && /redis-cli -p 6379 ping/.test(cmd[2]) && /= PONG/.test(cmd[2]) && !!c.readinessProbe;
  });
  attempt(`${f}: the gateway connects to the embedded Redis with the same Secret and key (Gateway__Store__Redis__Password)`, () =>
    secretRef(d, "Gateway__Store__Redis__Password").name === redisSecretName &&
    secretRef(d, "Gateway__Store__Redis__Password").key === "redis-password" && envOf(d).Gateway__Store__Redis__Password.value === undefined);
  attempt(`${f}: the generated Secret holds a random 32-character password, and a fresh render generates another`, () => {
    const pw = secretString(find(objs, "Secret", redisSecretName), "redis-password");
    const again = secretString(find(render(values(f)), "Secret", redisSecretName), "redis-password");
    return /^[A-Za-z0-9]{32}$/.test(pw) && /^[A-Za-z0-9]{32}$/.test(again) && pw !== again;
  });
  attempt(`${f}: the password appears in no rendered object but its Secret`, () => {
    const pw = secretString(find(objs, "Secret", redisSecretName), "redis-password");
    return pw.length > 0 && objs.filter((o) => !(o.kind === "Secret" && o.metadata.name === redisSecretName)).every((o) => !JSON.stringify(o).includes(pw));
  });
  attempt(`${f} --set redis.embedded.existingSecret=my-redis,passwordKey=pw: no Secret generated; Redis, its probe and the gateway read my-redis/pw`, () => {
    const o = render(values(f), ["--set", "redis.embedded.existingSecret=my-redis", "--set", "redis.embedded.passwordKey=pw"]);
    const c = redisContainer(find(o, "Deployment", `${release}-gateway-redis`));
    const refs = [envOfContainer(c).REDIS_PASSWORD, envOfContainer(c).REDISCLI_AUTH, envOf(gw(o)).Gateway__Store__Redis__Password]
      .map((e) => e.valueFrom.secretKeyRef);
    return !find(o, "Secret", redisSecretName) && refs.every((x) => x.name === "my-redis" && x.key === "pw") &&
      c.args[c.args.indexOf("--requirepass") + 1] === "$(REDIS_PASSWORD)";
  });
  attempt(`${f}: NOTES name the embedded Redis's password Secret`, () =>
    notes(values(f)).includes(`password (requirepass) is in Secret ${redisSecretName}, key redis-password`));
  attempt(`${f}: a real redis-server started as rendered refuses an unauthenticated PING (NOAUTH), answers with the password, and the rendered liveness probe passes only with it`, () =>
    runRenderedRedis(r, objs));
}
{
  const f = "servicemonitor.yaml";
  const objs = rendered[f] ?? [];
  attempt(`${f}: ServiceMonitor targets the collector's Prometheus exporter`, () => {
    const s = find(objs, "ServiceMonitor");
    return s.apiVersion === "monitoring.coreos.com/v1" && s.metadata.namespace === "observability" &&
      s.metadata.labels.release === "kube-prometheus-stack" &&
      s.spec.selector.matchLabels["app.kubernetes.io/name"] === "opentelemetry-collector" &&
      s.spec.namespaceSelector.matchNames[0] === "observability" &&
      s.spec.endpoints[0].port === "prometheus" && s.spec.endpoints[0].path === "/metrics";
  });
  attempt(`${f}: dashboard ConfigMap in the Grafana namespace with folder annotation`, () => {
    const c = find(objs, "ConfigMap", `${release}-gateway-dashboard`);
    return c.metadata.namespace === "grafana" && c.metadata.annotations.grafana_folder === "Gateway";
  });
}
{
  const f = "defaults-required.yaml --set metrics.enabled=false";
  attempt(`${f}: metrics off closes the image's 9464 listener: the port set empty, no container or Service port`, () => {
    const objs = render(values("defaults-required.yaml"), ["--set", "metrics.enabled=false"]);
    const d = gw(objs);
    const svc = find(objs, "Service", `${release}-gateway`);
    return "Gateway__Metrics__Port" in envOf(d) && envValue(d, "Gateway__Metrics__Port") === "" &&
      !container(d).ports.some((p) => p.name === "metrics") && !svc.spec.ports.some((p) => p.name === "metrics");
  });
}
{
  const f = "memory-single.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  attempt(`${f}: one replica, memory store, no Redis settings`, () =>
    d.spec.replicas === 1 && envValue(d, "Gateway__Store__Kind") === "memory" &&
    !Object.keys(envOf(d)).some((k) => k.startsWith("Gateway__Store__Redis__")));
  attempt(`${f}: no Redis, PDB, dashboard or ServiceAccount objects`, () =>
    !find(objs, "Deployment", `${release}-gateway-redis`) && !find(objs, "PodDisruptionBudget") &&
    !find(objs, "ConfigMap", `${release}-gateway-dashboard`) && !find(objs, "ServiceAccount") &&
    d.spec.template.spec.serviceAccountName === "default");
  attempt(`${f}: exec preStop sleep by default`, () =>
    JSON.stringify(container(d).lifecycle.preStop.exec.command) === '["/bin/sleep","10"]');
  attempt(`${f}: the embedded store's state, journal and vault on a writable volume that survives container restarts`, () =>
    envValue(d, "Gateway__DataDirectory") === "/var/lib/gateway" &&
    container(d).volumeMounts.some((m) => m.name === "data" && m.mountPath === "/var/lib/gateway") &&
    d.spec.template.spec.volumes.some((v) => v.name === "data" && v.emptyDir));
  attempt(`${f}: NOTES warn about the memory store`, () => notes(values(f)).includes("store.kind=memory"));
  // The state is on the data volume (above): NOTES say what keeps it and what loses it, not "lost on every restart".
  attempt(`${f}: NOTES say the emptyDir survives container restarts but not the pod's replacement, and name store.memory.existingClaim`, () => {
    const n = notes(values(f)).replace(/\s+/g, " ");
    return !n.includes("lost on every restart") && n.includes("survives container restarts") &&
      n.includes("lost when the pod is replaced") && n.includes("store.memory.existingClaim");
  });
  attempt(`${f} --set store.memory.existingClaim=gw-data: NOTES say the state is kept on that claim`, () => {
    const n = notes(values(f), ["--set", "store.memory.existingClaim=gw-data"]).replace(/\s+/g, " ");
    return n.includes("PersistentVolumeClaim gw-data") && !n.includes("lost when the pod is replaced");
  });
  attempt(`${f}: Recreate, never a rolling update (one replica's state: no second pod beside it)`, () =>
    d.spec.strategy.type === "Recreate" && !("rollingUpdate" in d.spec.strategy));
  attempt(`${f} --set updateStrategy.type=RollingUpdate: still Recreate`, () => {
    const s = gw(render(values(f), ["--set", "updateStrategy.type=RollingUpdate"])).spec.strategy;
    return s.type === "Recreate" && !("rollingUpdate" in s);
  });
}
{
  const f = "defaults-required.yaml";
  attempt(`${f}: RollingUpdate, maxUnavailable 0, maxSurge 1 by default`, () => {
    const s = gw(rendered[f] ?? []).spec.strategy;
    return s.type === "RollingUpdate" && s.rollingUpdate.maxUnavailable === 0 && s.rollingUpdate.maxSurge === 1 &&
      Object.keys(s).length === 2 && Object.keys(s.rollingUpdate).length === 2;
  });
  attempt(`${f} --set updateStrategy.type=Recreate: no rollingUpdate block (the API server refuses one with Recreate)`, () => {
    const s = gw(render(values(f), ["--set", "updateStrategy.type=Recreate"])).spec.strategy;
    return s.type === "Recreate" && !("rollingUpdate" in s);
  });
  attempt(`${f}: rollingUpdate overrides still reach the Deployment`, () =>
    gw(render(values(f), ["--set", "updateStrategy.rollingUpdate.maxSurge=25%"])).spec.strategy.rollingUpdate.maxSurge === "25%");
  const insecure = "publicBaseUrl is http://";
  attempt(`${f}: NOTES do not warn about an https publicBaseUrl`, () => !notes(values(f)).includes(insecure));
  for (const url of ["http://gateway.internal:8080", "http://gateway.example.com", "http://10.0.0.5"]) {
    attempt(`${f} --set publicBaseUrl=${url},allowPlainHttp=true: NOTES warn that cookies are not Secure and no HSTS is sent`, () => {
      const n = notes(values(f), ["--set", `publicBaseUrl=${url}`, "--set", "allowPlainHttp=true"]);
      return n.includes(insecure) && n.includes("not Secure") && n.includes("HSTS");
    });
  }
  // The gateway refuses a plain-http public origin on a host other than loopback outside Development unless
  // Gateway:AccessTokens:AllowPlainHttp (a mesh with sidecar mTLS): the render refuses it first, and passes the opt-in on.
  attempt(`${f} --set publicBaseUrl=http://gateway.internal:8080 (no allowPlainHttp): the render fails naming allowPlainHttp`, () => {
    const r = run(["template", release, chart, "-n", namespace, "-f", values(f), ...IMAGE, "--set", "publicBaseUrl=http://gateway.internal:8080"]);
    return r.code !== 0 && r.err.includes("plain http://") && r.err.includes("allowPlainHttp=true");
  });
  attempt(`${f} --set environment=Development,publicBaseUrl=http://gateway.internal:8080: renders (Development takes plain http)`, () =>
    envValue(gw(render(values(f), ["--set", "environment=Development", "--set", "publicBaseUrl=http://gateway.internal:8080"])), "Gateway__AccessTokens__PublicBaseUrl") === "http://gateway.internal:8080");
  attempt(`${f} --set allowPlainHttp=true: Gateway__AccessTokens__AllowPlainHttp is "true"; unset by default`, () =>
    envValue(gw(render(values(f), ["--set", "publicBaseUrl=http://gateway.internal:8080", "--set", "allowPlainHttp=true"])), "Gateway__AccessTokens__AllowPlainHttp") === "true" &&
      envValue(gw(rendered[f] ?? []), "Gateway__AccessTokens__AllowPlainHttp") === undefined);
  for (const url of ["http://localhost:8080", "http://127.0.0.1", "http://[::1]:8080"]) {
    attempt(`${f} --set publicBaseUrl=${url}: no warning for a loopback host`, () => {
      const n = notes(values(f), ["--set", `publicBaseUrl=${url}`]);
      return n.includes("NOTES:") && !n.includes(insecure);
    });
  }
}

{
  const f = "values-quickstart.yaml";
  const objs = rendered[f] ?? [];
  const d = gw(objs);
  const secret = find(objs, "Secret", `${release}-gateway-keys`);
  attempt(`${f}: gateway and one Redis pod, one replica`, () =>
    d.spec.replicas === 1 && find(objs, "Deployment", `${release}-gateway-redis`).spec.replicas === 1 &&
    envValue(d, "Gateway__Store__Redis__Endpoint") === `${release}-gateway-redis:6379`);
  attempt(`${f}: three distinct generated 32-byte keys`, () => {
    const keys = ["DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY"].map((k) => Buffer.from(secret.data[k], "base64").toString());
    return keys.every((k) => Buffer.from(k, "base64").length === 32) && new Set(keys).size === 3;
  });
  attempt(`${f}: the keys come from the generated Secret`, () =>
    ["DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY"].every((k) => secretRef(d, k).name === secret.metadata.name && secretRef(d, k).key === k));
  attempt(`${f}: a fresh render generates other keys (nothing fixed in the chart)`, () =>
    find(render(values(f)), "Secret", `${release}-gateway-keys`).data.DATA_ENCRYPTION_KEY !== secret.data.DATA_ENCRYPTION_KEY);
  attempt(`${f}: a fresh render generates another receipt key (nothing fixed in the chart)`, () =>
    find(render(values(f)), "Secret", `${release}-gateway-receipt-keys`).data["receipt-key.pem"] !==
      find(objs, "Secret", `${release}-gateway-receipt-keys`).data["receipt-key.pem"]);
  attempt(`${f}: NOTES warn that the generated keys are for evaluation, and show /metrics`, () => {
    const n = notes(values(f));
    return n.includes("keys.generate is for EVALUATION") && n.includes(`${release}-gateway-keys`) && n.includes("curl -fsS http://127.0.0.1:9464/metrics");
  });
  attempt(`${f}: NOTES do not warn about its loopback http publicBaseUrl`, () => {
    const n = notes(values(f));
    return n.includes("NOTES:") && !n.includes("publicBaseUrl is http://");
  });
  attempt(`${f}: the demo policy ConfigMap holds a tenant`, () =>
    YAML.parse(find(objs, "ConfigMap", `${release}-gateway-policy`).data["demo.yaml"]).tenant === "demo");
  attempt(`${f}: examples/chart/demo.yaml, the tenant file the README's Install command --set-files, is this demo policy`, () =>
    JSON.stringify(YAML.parse(readFileSync(join(root, "examples/chart/demo.yaml"), "utf8"))) ===
      JSON.stringify(YAML.parse(find(objs, "ConfigMap", `${release}-gateway-policy`).data["demo.yaml"])));
}
{
  const f = "ingress-httproute.yaml";
  const objs = rendered[f] ?? [];
  attempt(`${f}: Ingress to the gateway Service's http port, with class and TLS`, () => {
    const i = find(objs, "Ingress");
    const p = i.spec.rules[0].http.paths[0];
    return i.apiVersion === "networking.k8s.io/v1" && i.spec.ingressClassName === "nginx" &&
      i.spec.rules[0].host === "gateway.example.com" && p.backend.service.name === `${release}-gateway` &&
      p.backend.service.port.name === "http" && i.spec.tls[0].secretName === "gateway-tls";
  });
  attempt(`${f}: HTTPRoute attached to the shared Gateway, to the Service on 8080`, () => {
    const r = find(objs, "HTTPRoute");
    return r.apiVersion === "gateway.networking.k8s.io/v1" && r.spec.parentRefs[0].name === "shared" &&
      r.spec.parentRefs[0].namespace === "gateway-system" && r.spec.hostnames[0] === "gateway.example.com" &&
      r.spec.rules[0].backendRefs[0].name === `${release}-gateway` && r.spec.rules[0].backendRefs[0].port === 8080;
  });
  attempt(`${f}: the NetworkPolicy admits the named ingress controller on 8080`, () => {
    const np = find(objs, "NetworkPolicy", `${release}-gateway`);
    return np.spec.ingress[0].ports[0].port === 8080 &&
      np.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"] === "ingress-nginx";
  });
  attempt(`${f}: ServiceMonitor without a selector scrapes the gateway's own metrics port`, () => {
    const s = find(objs, "ServiceMonitor");
    const svc = find(objs, "Service", `${release}-gateway`);
    return s.spec.endpoints[0].port === "metrics" && s.spec.namespaceSelector.matchNames[0] === namespace &&
      Object.entries(s.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v);
  });
}

{
  // The README's "Install" command as written (its --set and --set-file arguments and nothing more, not even the IMAGE
  // every other check adds, run from the repository root): it renders, and the tenant files it puts in the policy ConfigMap load under the credential settings it renders
  // (Gateway:Credentials:EnvironmentPerTenant: each env: name begins <TENANT>__; nothing read beside the files, which
  // the ConfigMap does not hold). tests/Gateway.Proxy.Tests ChartSetFileBundleTests loads the same files in the gateway.
  const name = "README Install command";
  attempt(`${name}: renders, and its bundle's env: and file: references load under the rendered credential settings`, () => {
    const command = readFileSync(join(chart, "README.md"), "utf8").split("```").find((b) => b.includes("helm install gateway charts/gateway"));
    if (!command) throw new Error("no `helm install gateway charts/gateway` block in charts/gateway/README.md");
    const words = command.slice(command.indexOf("helm install gateway charts/gateway")).split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").replace(/\\$/, "")).join(" ").split(/\s+/).filter((w) => w)
      .map((w) => w.replace(/^'(.*)'$/, "$1").replace(/\\\\/g, "\\"));
    const args = [];
    for (let i = 0; i < words.length; i++) {
      if (words[i] === "--set" || words[i] === "--set-file") args.push(words[i], words[++i]);
    }
    const files = args.filter((a, i) => args[i - 1] === "--set-file" && a.startsWith("policy.bundle."));
    if (files.length === 0) throw new Error("the Install command --set-files no policy.bundle file");
    const r = spawnSync(helm, ["template", "gateway", chart, "-n", "agents-gateway", ...args], { encoding: "utf8", cwd: root, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
    const objs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter((d) => d);
    const d = find(objs, "Deployment", "gateway");
    const perTenant = envValue(d, "Gateway__Credentials__EnvironmentPerTenant") === "true";
    const credentialsRoot = envValue(d, "Gateway__Credentials__Root");
    const data = find(objs, "ConfigMap", "gateway-policy").data;
    const refused = [];
    for (const set of files) {
      const key = set.slice("policy.bundle.".length, set.indexOf("=")).replace(/\\\./g, ".");
      const text = data[key];
      if (text !== readFileSync(join(root, set.slice(set.indexOf("=") + 1)), "utf8")) refused.push(`${key}: not the file as written`);
      const tenant = String(YAML.parse(text).tenant);
      const prefix = `${tenant.toUpperCase().replace(/-/g, "_")}__`;
      for (const [, source, ref] of text.matchAll(/^[^#\n]*?\b(?:credential|secret|next_secret|client_secret):\s*(env|file):(\S+)/gm)) {
        if (source === "env" && perTenant && !ref.startsWith(prefix)) refused.push(`${key}: env:${ref} does not begin ${prefix}`);
        if (source === "file" && !ref.startsWith(`${credentialsRoot}/${tenant}/`)) refused.push(`${key}: file:${ref} is not under ${credentialsRoot}/${tenant}/`);
      }
    }
    if (refused.length) throw new Error(refused.join("; "));
    return true;
  });
}

{
  // The metrics port's refusal (invalid/networkpolicy-metrics-no-source.yaml) is only for metrics and the NetworkPolicy
  // both on with no scraper named: either one off renders, and with metrics off no rule opens the port.
  const f = "invalid/networkpolicy-metrics-no-source.yaml";
  const file = join(root, "tests/chart", f);
  attempt(`${f} --set metrics.enabled=false: renders, and the NetworkPolicy opens 8080 only`, () =>
    JSON.stringify(find(render(file, ["--set", "metrics.enabled=false"]), "NetworkPolicy", `${release}-gateway`).spec.ingress.map((i) => i.ports.map((p) => p.port))) === "[[8080]]");
  attempt(`${f} --set networkPolicy.enabled=false: renders, with no NetworkPolicy`, () =>
    !find(render(file, ["--set", "networkPolicy.enabled=false"]), "NetworkPolicy"));
}

// 3b. Operator docs and notes that must agree with what the chart renders ------------------------------------------
// A fenced block of a Markdown file: the first ```lang block after the heading line that starts with `heading`.
function docBlock(file, heading, lang = "yaml") {
  const text = readFileSync(join(root, file), "utf8");
  const at = text.split("\n").findIndex((l) => l.startsWith(heading));
  if (at < 0) throw new Error(`no "${heading}" in ${file}`);
  const rest = text.split("\n").slice(at).join("\n");
  const open = rest.indexOf("```" + lang + "\n");
  if (open < 0) throw new Error(`no \`\`\`${lang} block after "${heading}" in ${file}`);
  const body = rest.slice(open + lang.length + 4);
  return body.slice(0, body.indexOf("```"));
}
function renderText(valuesText, extra = [], name = release) {
  const dir = mkdtempSync(join(tmpdir(), "chart-doc-"));
  try {
    const file = join(dir, "values.yaml");
    writeFileSync(file, valuesText);
    const r = run(["template", name, chart, "-n", namespace, "-f", file, ...extra]);
    if (r.code !== 0) throw new Error(`helm template failed: ${r.err.trim()}`);
    return YAML.parseAllDocuments(r.out).map((d) => d.toJS()).filter((d) => d);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// How many addresses a CIDR (or a single address) spans, as its host bits: 0 for one address.
function hostBits(cidr) {
  const [addr, prefix] = String(cidr).split("/");
  const width = addr.includes(":") ? 128 : 32;
  return width - (prefix === undefined ? width : Number(prefix));
}
{
  // Agents sign RFC 9421 @target-uri under the URL they call (GAMUT_BASE_URL) and the gateway verifies it under
  // publicBaseUrl: the notes must give agents publicBaseUrl, never the Service's own address.
  for (const [f, extra] of [["defaults-required.yaml", []], ["values-quickstart.yaml", []],
    ["defaults-required.yaml", ["--set", "publicBaseUrl=http://gateway.internal:8080", "--set", "allowPlainHttp=true"]]]) {
    const label = `${f}${extra.length ? ` ${extra.join(" ")}` : ""}`;
    attempt(`${label}: NOTES give agents GAMUT_BASE_URL=publicBaseUrl (what the gateway verifies @target-uri under), not the Service's address`, () => {
      const d = gw(render(values(f), extra));
      const publicUrl = envValue(d, "Gateway__AccessTokens__PublicBaseUrl");
      const n = notes(values(f), extra);
      const given = [...n.matchAll(/GAMUT_BASE_URL=(\S+)/g)].map((m) => m[1]);
      if (given.length === 0 || given.some((u) => u !== publicUrl)) throw new Error(`GAMUT_BASE_URL in NOTES: ${JSON.stringify(given)}, publicBaseUrl ${publicUrl}`);
      const agentsPart = n.slice(n.indexOf("Agents"), n.indexOf("Check it:"));
      if (agentsPart.includes(`http://${release}-gateway.${namespace}.svc`) && !/not the Service/.test(agentsPart)) throw new Error("NOTES offer agents the Service's address");
      return true;
    });
  }
}
{
  // docs/operations.md's production values, verbatim: they render, and trust no proxy range wider than the ingress
  // controller's own addresses (a /24 at most: never the pod network agents are in, whose pods would then forge
  // X-Forwarded-For and spend other clients' per-address limits).
  const doc = "docs/operations.md";
  const heading = "### A values file for production";
  attempt(`${doc} "${heading}": renders as written`, () => renderText(docBlock(doc, heading)).length > 0);
  attempt(`${doc} "${heading}": trusts no proxy range wider than a /24 (IPv6 /120)`, () => {
    const fh = YAML.parse(docBlock(doc, heading)).forwardedHeaders ?? {};
    const trusted = [...(fh.knownNetworks ?? []), ...(fh.knownProxies ?? [])];
    const wide = trusted.filter((c) => hostBits(c) > 8);
    if (trusted.length === 0 || wide.length) throw new Error(`trusted: ${JSON.stringify(trusted)}`);
    return true;
  });
  attempt(`${doc}, charts/gateway/README.md and values.yaml: no knownNetworks example wider than a /24 (IPv6 /120)`, () => {
    const wide = [];
    for (const file of [doc, "charts/gateway/README.md", "charts/gateway/values.yaml"]) {
      const text = readFileSync(join(root, file), "utf8");
      for (const m of text.matchAll(/knownNetworks/g)) {
        for (const c of text.slice(m.index, m.index + 160).matchAll(/[0-9a-f:.]+\/\d+/gi)) {
          if (hostBits(c[0]) > 8) wide.push(`${file}: ${c[0]}`);
        }
      }
    }
    if (wide.length) throw new Error(wide.join("; "));
    return true;
  });
}
{
  // The PostgreSQL port egress is open on when the chart cannot read it (postgres.external.existingSecret: a PgBouncer
  // on 6432), for the migration Job's NetworkPolicy and the gateway's; extra egress rules (an SMTP relay).
  const f = "postgres-migrate-job.yaml";
  const set = ["--set", "networkPolicy.egress.postgres.ports={6432}", "--set", "networkPolicy.egress.postgres.cidrs={10.30.0.0/24}"];
  const pgRule = (np) => np.spec.egress.find((e) => e.ports?.some((p) => p.port === 6432 || p.port === 5432) && !e.ports.some((p) => p.port === 53));
  attempt(`${f} --set networkPolicy.egress.postgres.ports={6432},cidrs: the migration Job's egress is to 6432 on those CIDRs`, () => {
    const rule = pgRule(find(render(values(f), set), "NetworkPolicy", migrateName));
    return JSON.stringify(rule.ports) === '[{"port":6432,"protocol":"TCP"}]' && JSON.stringify(rule.to) === '[{"ipBlock":{"cidr":"10.30.0.0/24"}}]';
  });
  attempt(`${f} --set networkPolicy.egress.postgres.ports={6432},cidrs: so is the gateway's`, () => {
    const rule = pgRule(find(render(values(f), set), "NetworkPolicy", `${release}-gateway`));
    return JSON.stringify(rule.ports) === '[{"port":6432,"protocol":"TCP"}]' && JSON.stringify(rule.to) === '[{"ipBlock":{"cidr":"10.30.0.0/24"}}]';
  });
  attempt(`${f}: without them, 5432 to any address, as before`, () => {
    const objs = rendered[f] ?? [];
    return [migrateName, `${release}-gateway`].every((n) => {
      const rule = pgRule(find(objs, "NetworkPolicy", n));
      return JSON.stringify(rule.ports) === '[{"port":5432,"protocol":"TCP"}]' && rule.to === undefined;
    });
  });
  attempt(`external-postgres-hosts.yaml --set networkPolicy.egress.postgres.ports={6433}: the ports named replace those the hosts name`, () => {
    const o = render(values("external-postgres-hosts.yaml"), ["--set", "networkPolicy.egress.postgres.ports={6433}"]);
    return JSON.stringify(find(o, "NetworkPolicy", migrateName).spec.egress[1].ports.map((p) => p.port)) === "[6433]";
  });
  const smtp = { to: [{ ipBlock: { cidr: "10.30.1.25/32" } }], ports: [{ port: 587, protocol: "TCP" }] };
  attempt(`${f} networkPolicy.egress.extra: each rule is added to the gateway's egress as written, not to the Job's`, () => {
    const objs = render(values(f), ["--set-json", `networkPolicy.egress.extra=${JSON.stringify([smtp])}`]);
    const gwEgress = find(objs, "NetworkPolicy", `${release}-gateway`).spec.egress;
    const jobEgress = find(objs, "NetworkPolicy", migrateName).spec.egress;
    const same = (e) => Object.keys(e).sort().join() === "ports,to" &&
      JSON.stringify(e.to) === JSON.stringify(smtp.to) && JSON.stringify(e.ports) === JSON.stringify(smtp.ports);
    return gwEgress.some(same) && !jobEgress.some(same);
  });
  attempt(`values.yaml: the SMTP relay example names its port and the egress rule it needs`, () => {
    const text = readFileSync(join(chart, "values.yaml"), "utf8");
    const at = text.indexOf("Smtp__Host");
    return at > 0 && /networkPolicy\.egress\.extra/.test(text.slice(at - 400, at + 600)) && /Smtp__Port/.test(text);
  });
  attempt(`docs/console.md: the notifications' SMTP relay names the chart's egress rule it needs`, () => {
    const text = readFileSync(join(root, "docs/console.md"), "utf8");
    const at = text.indexOf("Smtp: {");
    return at > 0 && /networkPolicy\.egress\.extra/.test(text.slice(at, at + 1500));
  });
}
{
  // The ServiceMonitor's `job` is what docs/observability.md's alerts select: stable (the OTEL service name, as the
  // collector path gives it), not the Service's name.
  const f = "ingress-httproute.yaml";
  for (const [name, extra] of [[release, []], ["gateway", []], [release, ["--set", "otel.serviceName=payments-gateway"]]]) {
    attempt(`${f} (release ${name}${extra.length ? ` ${extra.join(" ")}` : ""}): the ServiceMonitor sets job to OTEL_SERVICE_NAME`, () => {
      const objs = renderText(readFileSync(values(f), "utf8"), [...IMAGE, ...extra], name);
      const s = find(objs, "ServiceMonitor");
      const service = envValue(objs.find((o) => o.kind === "Deployment" && o.metadata.labels["app.kubernetes.io/component"] === "gateway"), "OTEL_SERVICE_NAME");
      const relabel = (s.spec.endpoints[0].relabelings ?? []).filter((r) => r.targetLabel === "job");
      return relabel.length === 1 && relabel[0].replacement === service && !relabel[0].sourceLabels &&
        (relabel[0].action ?? "replace") === "replace";
    });
  }
  attempt(`servicemonitor.yaml: with a collector selector, the collector's job (service.name) is kept: no job relabeling`, () =>
    !((find(rendered["servicemonitor.yaml"] ?? [], "ServiceMonitor").spec.endpoints[0].relabelings ?? []).some((r) => r.targetLabel === "job")));
  attempt(`docs/observability.md alerts: every gateway metric selects job="gateway", the job a release named gateway (operations.md's) gets`, () => {
    const rules = YAML.parse(docBlock("docs/observability.md", "## Alerts")).groups.flatMap((g) => g.rules);
    const objs = renderText(readFileSync(values("ingress-httproute.yaml"), "utf8"), IMAGE, "gateway");
    const job = find(objs, "ServiceMonitor").spec.endpoints[0].relabelings.find((r) => r.targetLabel === "job").replacement;
    const bad = [];
    for (const r of rules) {
      for (const m of String(r.expr).matchAll(/\b(gateway_[a-z_]+|http_client_[a-z_]+)(\{[^}]*\})?/g)) {
        const sel = m[2] ?? "";
        const j = /job\s*(=~?|!=)\s*"([^"]*)"/.exec(sel);
        if (!j || j[1] !== "=" || j[2] !== job) bad.push(`${r.alert}: ${m[0]}`);
      }
    }
    if (bad.length) throw new Error(bad.join("; "));
    return true;
  });
}

// 4. Invalid value sets must fail, with the expected message ----------------------------------
const invalidDir = join(root, "tests/chart/invalid");
for (const f of readdirSync(invalidDir).filter((x) => x.endsWith(".yaml")).sort()) {
  const file = join(invalidDir, f);
  const expect = /^# expect: (.+)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
  const r = run(["template", release, chart, "-n", namespace, "-f", file, ...(/^image:/m.test(readFileSync(file, "utf8")) ? [] : IMAGE)]);
  check(`invalid ${f} is refused${expect ? ` with "${expect}"` : ""}`,
    r.code !== 0 && !!expect && (r.err + r.out).includes(expect), `exit ${r.code}: ${r.err.trim().split("\n").slice(-2).join(" ")}`);
}

// 5. Chart hygiene ------------------------------------------------------------------------------
const defaults = YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8"));
const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8"));
const readme = readFileSync(join(chart, "README.md"), "utf8");
function leaves(obj, prefix = "") {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length && !isFreeForm(prefix + k)
      ? leaves(v, `${prefix}${k}.`) : [prefix + k]);
}
// Maps whose keys are data rather than settings (labels, resources, Kubernetes objects).
function isFreeForm(path) {
  return /(^|\.)(resources|podSecurityContext|securityContext|labels|updateStrategy|namespaceSelector|podSelector|selector|behavior|affinity)$/.test(path);
}
const valueKeys = leaves(defaults);
const undocumented = valueKeys.filter((k) => !readme.includes(`\`${k}\``));
check("README documents every value", undocumented.length === 0, undocumented.join(", "));
function inSchema(path) {
  let node = schema;
  for (const part of path.split(".")) {
    if (node.$ref) node = schema.$defs[node.$ref.split("/").pop()];
    node = node?.properties?.[part];
    if (!node) return false;
  }
  return true;
}
const unschemed = valueKeys.filter((k) => !inSchema(k));
check("schema declares every value", unschemed.length === 0, unschemed.join(", "));
const templates = readdirSync(join(chart, "templates"));
check("only secret-keys.yaml creates key material, and only under keys.generate (the evaluation PostgreSQL its password, only when embedded; the embedded Redis its password, only without redis.embedded.existingSecret; the receipt key only without receiptKeys.existingSecret)",
  templates.every((t) => t === "secret-keys.yaml" || t === "postgres-embedded.yaml" || t === "redis-embedded.yaml" || t === "secret-receipt-keys.yaml" || !/kind:\s*Secret|randAlpha|randAscii|genPrivateKey|randBytes/.test(readFileSync(join(chart, "templates", t), "utf8"))) &&
  /^\{\{- if and \(eq \.Values\.store\.kind "redis"\) \.Values\.redis\.embedded\.enabled \}\}\n(.*\n)*\{\{- if not \$r\.existingSecret \}\}\n(.*\n)*kind: Secret\n/.test(readFileSync(join(chart, "templates", "redis-embedded.yaml"), "utf8")) &&
  /^\{\{- if and \.Values\.receiptKeys\.generate \(not \.Values\.receiptKeys\.existingSecret\) \}\}/.test(readFileSync(join(chart, "templates", "secret-receipt-keys.yaml"), "utf8")) &&
  /^\{\{- if \.Values\.keys\.generate \}\}/.test(readFileSync(join(chart, "templates", "secret-keys.yaml"), "utf8")) &&
  /^\{\{- if and \.Values\.postgres\.enabled \.Values\.postgres\.embedded\.enabled \}\}/.test(readFileSync(join(chart, "templates", "postgres-embedded.yaml"), "utf8")));

writeFileSync(countFile, `chart: ${passed} passed, ${failed} failed\n`);
console.log(`chart: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
