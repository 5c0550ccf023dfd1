using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Commands;

/// <summary><c>doctor</c>: checks a gateway host's configuration and surroundings; every finding names its fix.</summary>
internal static class DoctorCommand
{
    private static readonly string[] KeyVariables = ["DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY"];

    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var policy = new Option<string?>("--policy") { Description = "Bundle directory (default: env Gateway__Policy__BundlePath)" };
        var command = new Command("doctor", """
            Check what the gateway needs, from the environment it would start with: configuration, the three keys present,
            at least 32 bytes and distinct (values are never printed), the state store reachable, the bundle valid, the
            clock against the gateway's (with --url), the OTLP endpoint reachable. Each finding comes with its fix.
            Exit 0 when nothing fails (warnings and notes allowed), 2 when a check fails. In Development (ASPNETCORE_ENVIRONMENT,
            or the demo file `make run` writes, .gateway-data/demo.env or GATEWAY_DEMO_ENV, whose gateway and bundle it checks),
            production-only checks (the three keys, a shared store, OTLP export) are notes.
            Examples:
              gatewayctl doctor                              # the running make run demo
              gatewayctl doctor --policy examples/bundle
              gatewayctl doctor --url http://127.0.0.1:8080 --json
            """) { policy };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var findings = new List<Finding>();
            var env = console.GetEnvironmentVariable;
            var demoFile = GatewayTarget.FindDemoFile(console);
            string? Demo(string name) => demoFile is null ? null : GatewayTarget.ReadValue(demoFile, name);
            string? DemoUrl() => Demo(GatewayTarget.UrlVariable) is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && GatewayTarget.IsLoopback(uri) ? url : null;
            var development = CheckEnvironment(findings, env, demoFile);
            CheckConfiguration(findings, parse.GetValue(policy) ?? env("Gateway__Policy__BundlePath") ?? Demo("GATEWAY_DEMO_BUNDLE"));
            CheckKeys(findings, env);
            await CheckStoreAsync(findings, env, cancellationToken);
            await CheckClockAsync(findings, parse.GetValue(options.Url) ?? env(GatewayTarget.UrlVariable) ?? DemoUrl(), console.Handler, cancellationToken);
            await CheckOtlpAsync(findings, env("OTEL_EXPORTER_OTLP_ENDPOINT"), cancellationToken);
            if (development)
            {
                // What only production needs is said, not failed: the demo generates its keys and runs one process.
                for (var i = 0; i < findings.Count; i++)
                {
                    if (findings[i] is { ProductionOnly: true, Status: "fail" or "warn" } f)
                    {
                        findings[i] = f with { Status = "note", Detail = f.Detail + " (needed in production only)" };
                    }
                }
            }

            foreach (var f in findings)
            {
                context.Line($"{f.Status,-4}  {f.Check}: {f.Detail}{(f.Fix is null ? string.Empty : $"\n      fix: {f.Fix}")}");
            }

            var failed = findings.Count(f => f.Status == "fail");
            var notes = findings.Count(f => f.Status == "note");
            context.Line($"{findings.Count(f => f.Status == "ok")} ok, {(notes > 0 ? $"{notes} notes, " : string.Empty)}{findings.Count(f => f.Status == "warn")} warnings, {failed} failed");
            context.Document(new JsonObject
            {
                ["ok"] = failed == 0,
                ["findings"] = new JsonArray([.. findings.Select(f => (JsonNode)new JsonObject { ["check"] = f.Check, ["status"] = f.Status, ["detail"] = f.Detail, ["fix"] = f.Fix })]),
            });
            return failed == 0 ? ExitCodes.Success : ExitCodes.VerificationFailed;
        });
        return command;
    }

    // Development when the environment says so, or when the demo file of `make run` is what this checks; returns which.
    private static bool CheckEnvironment(List<Finding> findings, Func<string, string?> env, string? demoFile)
    {
        var named = env("ASPNETCORE_ENVIRONMENT") ?? env("DOTNET_ENVIRONMENT");
        var name = named ?? (demoFile is null ? "Production" : "Development");
        var development = string.Equals(name, "Development", StringComparison.OrdinalIgnoreCase);
        var source = named is not null ? "from ASPNETCORE_ENVIRONMENT" : demoFile is null ? "the default" : $"the demo of {demoFile}, written by make run";
        findings.Add(new("environment", "ok", $"{name} ({source}){(development ? ": production-only checks are notes" : string.Empty)}", null));
        return development;
    }

    private static void CheckConfiguration(List<Finding> findings, string? bundle)
    {
        if (bundle is null)
        {
            findings.Add(new("config", "fail", "no policy bundle configured", "set Gateway__Policy__BundlePath (or pass --policy) to the bundle directory"));
            return;
        }

        if (!Directory.Exists(bundle) && !File.Exists(bundle))
        {
            findings.Add(new("config", "fail", $"bundle path '{bundle}' does not exist", "point Gateway__Policy__BundlePath at the directory of tenant YAML files"));
            return;
        }

        findings.Add(new("config", "ok", $"bundle path {bundle}", null));
        var (set, errors) = PolicyCommandContext.LoadBundle(bundle);
        findings.Add(set is not null
            ? new("bundle", "ok", $"valid: {string.Join(", ", set.Tenants.Values.Select(t => $"{t.Slug} ({t.Digest[..12]})"))}", null)
            : new("bundle", "fail", $"{errors.Count} error(s), first: {PolicyCommandContext.Format(errors[0])}", $"run 'gatewayctl policy validate {bundle}' and fix every error"));
    }

    private static void CheckKeys(List<Finding> findings, Func<string, string?> env)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in KeyVariables)
        {
            var value = env(name);
            if (string.IsNullOrEmpty(value))
            {
                findings.Add(new($"key {name}", "fail", "not set (the gateway refuses to start outside Development, where it generates its keys into the data directory)", $"set {name} to 32 random bytes, base64: openssl rand -base64 32") { ProductionOnly = true });
                continue;
            }

            var bytes = Decode(value);
            if (bytes is null || bytes.Length < 32)
            {
                findings.Add(new($"key {name}", "fail", "shorter than 32 bytes or not base64/hex", $"regenerate {name}: openssl rand -base64 32"));
                continue;
            }

            keys[name] = bytes;
            findings.Add(new($"key {name}", "ok", $"present, {bytes.Length} bytes", null));
        }

        var names = keys.Keys.ToList();
        for (var i = 0; i < names.Count; i++)
        {
            for (var j = i + 1; j < names.Count; j++)
            {
                if (System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(keys[names[i]], keys[names[j]]))
                {
                    findings.Add(new("keys distinct", "fail", $"{names[i]} and {names[j]} are equal", $"give {names[j]} its own value: each key has one purpose"));
                    return;
                }
            }
        }

        if (keys.Count == KeyVariables.Length)
        {
            findings.Add(new("keys distinct", "ok", "all three keys differ", null));
        }
    }

    private static async Task CheckStoreAsync(List<Finding> findings, Func<string, string?> env, CancellationToken cancellationToken)
    {
        var kind = env("Gateway__Store__Kind") ?? "embedded";
        if (!string.Equals(kind, "redis", StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(new("store", "warn", $"store kind '{kind}': state lives in this process only", "for more than one replica set Gateway__Store__Kind=redis and Gateway__Store__Redis__Endpoint") { ProductionOnly = true });
            return;
        }

        // A cluster's seeds or the sentinels (Gateway__Store__Redis__Endpoints__N): one reachable is enough to start, every
        // one reachable is what a failover needs.
        var endpoints = new List<string>();
        for (var i = 0; env($"Gateway__Store__Redis__Endpoints__{i}") is { } listed; i++)
        {
            endpoints.Add(listed);
        }

        if (endpoints.Count > 0)
        {
            var topology = env("Gateway__Store__Redis__Topology") ?? "cluster";
            var unreachable = new List<string>();
            foreach (var listed in endpoints)
            {
                if (await ConnectAsync(listed, cancellationToken) is { } failure)
                {
                    unreachable.Add($"{listed} ({failure})");
                }
            }

            findings.Add(unreachable.Count == 0
                ? new("store", "ok", $"redis {topology}: all {endpoints.Count} endpoints accept connections", null)
                : unreachable.Count == endpoints.Count
                    ? new("store", "fail", $"redis {topology}: no endpoint reachable: {string.Join(", ", unreachable)}", "start Redis or fix Gateway__Store__Redis__Endpoints__N (host:port each); the gateway fails closed without it")
                    : new("store", "warn", $"redis {topology}: {unreachable.Count} of {endpoints.Count} endpoints unreachable: {string.Join(", ", unreachable)}", "the gateway starts through the others, but a failover may need them: fix or remove them"));
            return;
        }

        var endpoint = env("Gateway__Store__Redis__Endpoint") ?? "127.0.0.1:6379";
        findings.Add(await ConnectAsync(endpoint, cancellationToken) is { } error
            ? new("store", "fail", $"redis at {endpoint} unreachable: {error}", "start Redis or fix Gateway__Store__Redis__Endpoint (host:port); the gateway fails closed without it")
            : new("store", "ok", $"redis at {endpoint} accepts connections", null));
    }

    private static async Task CheckClockAsync(List<Finding> findings, string? url, HttpMessageHandler? handler, CancellationToken cancellationToken)
    {
        if (url is null)
        {
            findings.Add(new("clock", "warn", "skipped: no gateway URL", "pass --url (or GATEWAY_URL) to compare this clock with the gateway's"));
            return;
        }

        try
        {
            using var client = CliHttp.Create(handler, TimeSpan.FromSeconds(5));
            using var response = await client.GetAsync(new Uri(new Uri(url.EndsWith('/') ? url : url + "/"), "healthz"), cancellationToken);
            if (response.Headers.Date is not { } date)
            {
                findings.Add(new("clock", "warn", "the gateway sent no Date header", "check that nothing between here and the gateway strips Date"));
                return;
            }

            var skew = (DateTimeOffset.UtcNow - date).Duration();
            findings.Add(skew > TimeSpan.FromSeconds(30)
                ? new("clock", "fail", $"this clock differs from the gateway's by {skew.TotalSeconds:F0} s; signed requests outside the timestamp window are refused", "synchronise both clocks with NTP (chrony/systemd-timesyncd)")
                : new("clock", "ok", $"skew {skew.TotalSeconds:F0} s against {url}", null));
        }
        catch (RedirectRefusedException ex)
        {
            findings.Add(new("clock", "warn", $"gateway at {url} not checked: {ex.Message}", "pass the gateway's own address as --url (or GATEWAY_URL)"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            findings.Add(new("clock", "warn", $"gateway at {url} unreachable: {ex.Message}", "start the gateway or fix --url"));
        }
    }

    private static async Task CheckOtlpAsync(List<Finding> findings, string? endpoint, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            findings.Add(new("otlp", "warn", "OTEL_EXPORTER_OTLP_ENDPOINT not set: traces and logs are not exported", "set OTEL_EXPORTER_OTLP_ENDPOINT to your collector (e.g. http://otel-collector:4317)") { ProductionOnly = true });
            return;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            findings.Add(new("otlp", "fail", $"'{endpoint}' is not a URL", "set OTEL_EXPORTER_OTLP_ENDPOINT to http(s)://host:port"));
            return;
        }

        findings.Add(await ConnectAsync($"{uri.Host}:{uri.Port}", cancellationToken) is { } error
            ? new("otlp", "fail", $"collector at {uri.Host}:{uri.Port} unreachable: {error}", "start the collector or fix OTEL_EXPORTER_OTLP_ENDPOINT")
            : new("otlp", "ok", $"collector at {uri.Host}:{uri.Port} accepts connections", null));
    }

    private static async Task<string?> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out var port))
        {
            return "not host:port";
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint[..colon].Trim('[', ']'), port, timeout.Token);
            return null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return ex is OperationCanceledException ? "timed out" : ex.Message;
        }
    }

    private static byte[]? Decode(string value)
    {
        var buffer = new byte[value.Length];
        if (Convert.TryFromBase64String(value, buffer, out var written))
        {
            return buffer[..written];
        }

        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record Finding(string Check, string Status, string Detail, string? Fix)
    {
        /// <summary>A check only production needs: a note, not a failure or warning, in Development.</summary>
        public bool ProductionOnly { get; init; }
    }
}
