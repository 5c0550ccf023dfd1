using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Gateway.Policy.Evidence;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The gateway binary (<c>gateway.dll</c> next to the tests) as a child process on a free loopback
/// port, configured through environment variables only, so a test can kill it with SIGKILL and start
/// it again on the same state.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, int port, ConcurrentQueue<string> output)
    {
        _process = process;
        Output = output;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client for the process's address.</summary>
    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The lines the process has written to stdout so far.</summary>
    public IReadOnlyCollection<string> Output { get; }

    /// <summary>
    /// Adds fresh random keys for every purpose the gateway needs one (data encryption, decision signing, service) and a
    /// fresh receipt key ring in a file of its own (the process runs in Production, which refuses to start without one).
    /// </summary>
    public static void AddFreshKeys(IDictionary<string, string> environment)
    {
        foreach (var key in new[] { "DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY" })
        {
            environment[key] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        var ring = Path.Combine(Directory.CreateTempSubdirectory("gateway-receipt-keys-").FullName, "receipt-keys.json");
        Gateway.Store.PrivateFiles.WriteAllText(ring, ReceiptKeyRing.Generate(DateTimeOffset.UtcNow).ToPrivateJson());
        environment["Gateway__Receipts__KeyRingFile"] = ring;
    }

    /// <summary>
    /// The environment of a gateway on Redis (at <paramref name="redisEndpoint"/>) whose audit journal lives on file in
    /// <paramref name="dataDirectory"/> (so it can record what a Redis outage refuses), with fresh keys.
    /// </summary>
    public static Dictionary<string, string> RedisWithJournalOnFile(string bundleDirectory, string redisEndpoint, string dataDirectory, string replicaId)
    {
        var environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = bundleDirectory,
            ["Gateway__DataDirectory"] = dataDirectory,
            ["Gateway__Store__Kind"] = "redis",
            ["Gateway__Store__Redis__Endpoint"] = redisEndpoint,
            ["Gateway__Audit__Sink"] = AuditSinkUnderTest.File,
            ["Gateway__Audit__ReplicaId"] = replicaId,
            ["Gateway__Audit__ChainsPerReplica"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        AddFreshKeys(environment);
        return environment;
    }

    /// <summary>
    /// Starts the gateway with <paramref name="environment"/> and waits until <c>/readyz</c> answers 2xx, or, with
    /// <paramref name="untilReady"/> false, until <c>/healthz</c> does (a gateway its store refuses). With
    /// <paramref name="hangupAsDefault"/>, SIGHUP is reset to its default disposition for the gateway (coreutils'
    /// <c>env --default-signal</c>): a test run under <c>nohup</c> would otherwise hand the gateway SIGHUP ignored.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string> environment, bool untilReady = true, bool hangupAsDefault = false)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo(hangupAsDefault ? "env" : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        var launcher = hangupAsDefault ? new[] { "--default-signal=HUP", "dotnet" } : [];
        foreach (var arg in launcher.Concat([Path.Combine(AppContext.BaseDirectory, "gateway.dll"), "--urls", $"http://127.0.0.1:{port}"]))
        {
            start.ArgumentList.Add(arg);
        }

        // Outside Development the gateway refuses to start without its public origin.
        start.Environment["Gateway__AccessTokens__PublicBaseUrl"] = $"http://127.0.0.1:{port}";
        foreach (var pair in environment)
        {
            start.Environment[pair.Key] = pair.Value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway did not start");

        // A gateway a failed or killed test run leaves running still dies with the test process.
        ProcessJanitor.KillAfterThisProcess(process.Id, "gateway.dll");
        var output = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } data)
            {
                output.Enqueue(data);
            }
        };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, port, output);
        try
        {
            await gateway.WaitAsync(untilReady ? "/readyz" : "/healthz");
            return gateway;
        }
        catch
        {
            gateway.Dispose();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown, no flush.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: a graceful stop (the host's shutdown runs), awaited.</summary>
    public async Task StopAsync()
    {
        await SignalAsync("TERM");
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends the signal <paramref name="name"/> (TERM, HUP, …) to the process, unless it has exited; does not wait for its effect.</summary>
    public async Task SignalAsync(string name)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
                ?? throw new InvalidOperationException("kill did not start");
            await kill.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
        Http.Dispose();
    }

    private async Task WaitAsync(string probe)
    {
        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            Assert.False(_process.HasExited, "the gateway exited during start-up");
            try
            {
                using var ready = await Http.GetAsync(probe);
                return ready.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
                return false;
            }
        }, TimeSpan.FromSeconds(120), $"the gateway did not answer {probe}");
    }
}
