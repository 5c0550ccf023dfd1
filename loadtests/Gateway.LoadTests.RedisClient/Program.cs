using System.Diagnostics;
using System.Globalization;
using Gateway.Store;
using StackExchange.Redis;

// Usage: Gateway.LoadTests.RedisClient <endpoint> <setnx|admit|admit-per-request|admit-compare|roundtrip> <seconds> <concurrency|rate> [agents]
// Prints one JSON line per run: {"client":"StackExchange.Redis","command":…,"ops":…,"ops_per_s":…,"errors":…}.
// setnx = the nonce write (SET key value NX PX 300000); admit = the admission (nonce, two kill
// switches, two rate-limit windows) as the gateway sends it, batched (the default options);
// admit-per-request = the same with BatchAdmissions off (one script run per admission);
// admit-compare = admit-per-request then admit, same concurrency and duration. Admission lines add
// redis-server's CPU per admission (INFO cpu, user + sys, main and background threads), the part of it
// spent inside the scripts and its script calls (INFO commandstats, evalsha + eval).
// roundtrip = one nonce write at a time at a fixed rate (the fourth argument, per second): the latency of one store
// round trip when nothing queues, what each of a request's store calls costs at least (p50, p99, p99.9 in µs), and
// redis-server's CPU per call.
if (args.Length is < 4 or > 5 || args[1] is not ("setnx" or "admit" or "admit-per-request" or "admit-compare" or "roundtrip"))
{
    Console.Error.WriteLine("usage: Gateway.LoadTests.RedisClient <host:port> <setnx|admit|admit-per-request|admit-compare|roundtrip> <seconds> <concurrency|rate> [agents]");
    return 2;
}

var endpoint = args[0];
var command = args[1];
var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
var concurrency = int.Parse(args[3], CultureInfo.InvariantCulture);
var agents = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : concurrency;
var runs = command switch
{
    "setnx" => [("setnx", true)],
    "admit" => [("admit", true)],
    "admit-per-request" => [("admit-per-request", false)],
    _ => new[] { ("admit-per-request", false), ("admit", true) },
};

var serverOptions = ConfigurationOptions.Parse(endpoint);
serverOptions.AllowAdmin = true;
await using var server = await ConnectionMultiplexer.ConnectAsync(serverOptions);
if (command == "roundtrip")
{
    Console.WriteLine(await RoundTripAsync(rate: concurrency));
    return 0;
}

foreach (var (name, batched) in runs)
{
    Console.WriteLine(await RunAsync(name, batched));
}

return 0;

async Task<string> RunAsync(string name, bool batched)
{
    await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = endpoint, CommandTimeout = TimeSpan.FromSeconds(5), BatchAdmissions = batched });
    await store.PingAsync();
    var admit = name != "setnx";
    var before = await ServerCountersAsync();
    long ops = 0, errors = 0;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var clock = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
    {
        var agent = worker % agents;
        var windows = new[]
        {
            new RateLimitWindow(StoreKeys.RateLimit("bench", $"agent-{agent}:minute"), long.MaxValue / 2, TimeSpan.FromMinutes(1)),
            new RateLimitWindow(StoreKeys.RateLimit("bench", $"agent-{agent}:hour"), long.MaxValue / 2, TimeSpan.FromHours(1)),
        };
        var switches = new[] { StoreKeys.AgentStatus("bench", $"agent-{agent}"), "gw:{bench}:kill" };
        long n = 0;
        while (!stop.IsCancellationRequested)
        {
            var nonce = StoreKeys.Nonce("bench", $"agent-{agent}", $"{worker}-{n++}-{Guid.NewGuid():N}");
            try
            {
                if (admit)
                {
                    await store.AdmitAsync(new AdmissionRequest(nonce, "1700000000", TimeSpan.FromMinutes(5), switches, windows));
                }
                else
                {
                    await store.TrySetIfAbsentAsync(nonce, "1700000000", TimeSpan.FromMinutes(5));
                }

                Interlocked.Increment(ref ops);
            }
            catch (StateStoreUnavailableException)
            {
                Interlocked.Increment(ref errors);
            }
        }
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = clock.Elapsed.TotalSeconds;
    var after = await ServerCountersAsync();
    var line = string.Create(CultureInfo.InvariantCulture, $"{{\"client\":\"StackExchange.Redis\",\"command\":\"{name}\",\"concurrency\":{concurrency},\"agents\":{agents},\"ops\":{ops},\"ops_per_s\":{ops / elapsed:F0},\"errors\":{errors}");
    if (admit)
    {
        var cpu = after.CpuSeconds - before.CpuSeconds;
        var scripts = after.ScriptCalls - before.ScriptCalls;
        var inScripts = after.ScriptMicroseconds - before.ScriptMicroseconds;
        line += string.Create(CultureInfo.InvariantCulture,
            $",\"batched\":{(batched ? "true" : "false")},\"redis_cpu_us_per_op\":{(ops == 0 ? 0 : cpu * 1e6 / ops):F2},\"redis_cpu_share\":{cpu / elapsed:F2},\"redis_script_us_per_op\":{(ops == 0 ? 0 : (double)inScripts / ops):F2},\"script_calls\":{scripts},\"ops_per_script_call\":{(scripts == 0 ? 0 : (double)ops / scripts):F2}");
    }

    return line + "}";
}

// One nonce write at a time, each sent at its slot of a fixed rate (a late one is sent at once, not skipped), timed from
// its send to its reply on the gateway's own client.
async Task<string> RoundTripAsync(int rate)
{
    await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });
    await store.PingAsync();
    var before = await ServerCountersAsync();
    var latencies = new List<double>(seconds * rate);
    long errors = 0;
    var interval = Stopwatch.Frequency / (double)rate;
    var started = Stopwatch.GetTimestamp();
    var end = started + (long)(seconds * (double)Stopwatch.Frequency);
    for (long n = 0; ; n++)
    {
        var slot = started + (long)(n * interval);
        if (slot >= end)
        {
            break;
        }

        // A timer sleeps to within a millisecond of the slot; the rest is waited for awake. At a rate of 1,000 calls per
        // second or more the client never sleeps between calls, so the figure leaves out its own wake-up: a lower bound.
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slot);
        if (wait > TimeSpan.FromMilliseconds(2))
        {
            await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
        }

        while (Stopwatch.GetTimestamp() < slot)
        {
            Thread.SpinWait(20);
        }

        var sent = Stopwatch.GetTimestamp();
        try
        {
            await store.TrySetIfAbsentAsync(StoreKeys.Nonce("bench", "roundtrip", $"{n}-{Guid.NewGuid():N}"), "1700000000", TimeSpan.FromMinutes(5));
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
        }
        catch (StateStoreUnavailableException)
        {
            errors++;
        }
    }

    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var after = await ServerCountersAsync();
    latencies.Sort();
    double At(double quantile) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(quantile * latencies.Count))];
    var calls = latencies.Count;
    return string.Create(CultureInfo.InvariantCulture,
        $"{{\"client\":\"StackExchange.Redis\",\"command\":\"roundtrip\",\"rate\":{rate},\"ops\":{calls},\"ops_per_s\":{calls / elapsed:F0},\"errors\":{errors},\"p50_us\":{At(0.50):F0},\"p99_us\":{At(0.99):F0},\"p999_us\":{At(0.999):F0},\"redis_cpu_us_per_op\":{(calls == 0 ? 0 : (after.CpuSeconds - before.CpuSeconds) * 1e6 / calls):F1}}}");
}

// redis-server's CPU seconds so far (user + sys), its script calls (evalsha + eval) and the time spent running them.
async Task<(double CpuSeconds, long ScriptCalls, long ScriptMicroseconds)> ServerCountersAsync()
{
    var database = server.GetDatabase();
    var cpu = 0.0;
    long scripts = 0, inScripts = 0;
    var text = (string)(await database.ExecuteAsync("INFO", "cpu"))! + (string)(await database.ExecuteAsync("INFO", "commandstats"))!;
    foreach (var raw in text.Split('\n'))
    {
        var line = raw.Trim();
        if (line.StartsWith("used_cpu_user:", StringComparison.Ordinal) || line.StartsWith("used_cpu_sys:", StringComparison.Ordinal))
        {
            cpu += double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        }
        else if (line.StartsWith("cmdstat_evalsha:", StringComparison.Ordinal) || line.StartsWith("cmdstat_eval:", StringComparison.Ordinal))
        {
            // cmdstat_evalsha:calls=3,usec=42,usec_per_call=14.00,...
            var fields = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(',');
            scripts += long.Parse(fields[0]["calls=".Length..], CultureInfo.InvariantCulture);
            inScripts += long.Parse(fields[1]["usec=".Length..], CultureInfo.InvariantCulture);
        }
    }

    return (cpu, scripts, inScripts);
}
