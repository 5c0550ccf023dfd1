using System.Diagnostics;
using System.Globalization;
using Gateway.Store;

// Usage: Gateway.LoadTests.RedisClient <endpoint> <setnx|admit> <seconds> <concurrency>
// Prints one JSON line: {"client":"StackExchange.Redis","command":…,"ops":…,"ops_per_s":…,"errors":…}.
// setnx = the nonce write (SET key value NX PX 300000); admit = the admission script (nonce, two
// kill switches, two rate-limit windows) as the gateway sends it per request.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Gateway.LoadTests.RedisClient <host:port> <setnx|admit> <seconds> <concurrency>");
    return 2;
}

var command = args[1];
var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
var concurrency = int.Parse(args[3], CultureInfo.InvariantCulture);
await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = args[0], CommandTimeout = TimeSpan.FromSeconds(5) });
await store.PingAsync();

long ops = 0, errors = 0;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
{
    var windows = new[]
    {
        new RateLimitWindow(StoreKeys.RateLimit("bench", $"agent-{worker}:minute"), long.MaxValue / 2, TimeSpan.FromMinutes(1)),
        new RateLimitWindow(StoreKeys.RateLimit("bench", $"agent-{worker}:hour"), long.MaxValue / 2, TimeSpan.FromHours(1)),
    };
    var switches = new[] { StoreKeys.AgentStatus("bench", $"agent-{worker}"), "gw:{bench}:kill" };
    long n = 0;
    while (!stop.IsCancellationRequested)
    {
        var nonce = StoreKeys.Nonce("bench", $"agent-{worker}", $"{worker}-{n++}-{Guid.NewGuid():N}");
        try
        {
            if (command == "admit")
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
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"client\":\"StackExchange.Redis\",\"command\":\"{command}\",\"concurrency\":{concurrency},\"ops\":{ops},\"ops_per_s\":{ops / elapsed:F0},\"errors\":{errors}}}"));
return 0;
