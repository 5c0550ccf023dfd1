// The baseline: a bare YARP reverse proxy, configured from appsettings.json (one catch-all route, one
// cluster), nothing else in the pipeline. The upstream's address comes from the command line:
//   --ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:PORT/
// appsettings.json is read from the binaries' folder, whatever the working directory.
//
// Equal terms with the gateway (issue #52, docs/performance.md "What is measured"): the same
// hosting settings as the gateway in the load test — the default logging providers at Warning, the same
// GC setting (the project file), and OpenTelemetry metrics (ASP.NET Core and HttpClient instruments)
// served to Prometheus on a port of their own when --Metrics:Port is given (that port must also be one of
// --urls), as the gateway serves /metrics on its metrics port. Traces are off in both (no OTLP endpoint is
// configured).
//
// A floor (issue #52), off unless asked: --StoreWaits:Redis=HOST:PORT --StoreWaits:Count=N makes this proxy wait on N
// Redis round trips in turn before it forwards each request (StoreWaits.cs); --StoreWaits:WorkMicroseconds=M adds M µs of
// CPU work per request after them, standing in for the gateway's own. --StoreWaits:Journal=PATH makes it wait instead on
// one durable journal write per request (JournalWait.cs), the embedded store's one wait; --StoreWaits:JournalRecordBytes
// sets the record's size (1,500 by default, about a chat completion's decision record).
using Gateway.LoadTests.BareProxy;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(static kestrel => kestrel.AddServerHeader = false);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var metricsPort = builder.Configuration.GetValue<int?>("Metrics:Port");
if (metricsPort is not null)
{
    builder.Services.AddOpenTelemetry().WithMetrics(static metrics => metrics
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddMeter("System.Runtime")
        .AddPrometheusExporter());
}

var storeWaitsRedis = builder.Configuration["StoreWaits:Redis"];
var storeWaitsCount = builder.Configuration.GetValue("StoreWaits:Count", 0);
var storeWaitsWork = builder.Configuration.GetValue("StoreWaits:WorkMicroseconds", 0);
var storeWaitsJournal = builder.Configuration["StoreWaits:Journal"];
var storeWaitsJournalBytes = builder.Configuration.GetValue("StoreWaits:JournalRecordBytes", 1500);
if (storeWaitsCount < 0 || storeWaitsWork < 0 || (storeWaitsCount > 0 && string.IsNullOrEmpty(storeWaitsRedis)))
{
    throw new InvalidOperationException(
        "--StoreWaits:Count and --StoreWaits:WorkMicroseconds must be 0 or more, and a count above 0 needs --StoreWaits:Redis=HOST:PORT.");
}

if (storeWaitsJournalBytes is < 1 or > 1 << 20)
{
    throw new InvalidOperationException("--StoreWaits:JournalRecordBytes must be 1 to 1048576.");
}

if (!string.IsNullOrEmpty(storeWaitsJournal))
{
    builder.Services.AddSingleton(new JournalWait(storeWaitsJournal, storeWaitsJournalBytes));
}

if (storeWaitsCount > 0)
{
    var redis = await ConnectionMultiplexer.ConnectAsync(storeWaitsRedis!);
    builder.Services.AddSingleton(new StoreWaits(redis, storeWaitsCount, TimeSpan.FromMicroseconds(storeWaitsWork)));
}

var app = builder.Build();
if (metricsPort is { } scrapePort)
{
    app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == scrapePort);
}

if (storeWaitsCount > 0)
{
    app.UseMiddleware<StoreWaits>();
}

if (!string.IsNullOrEmpty(storeWaitsJournal))
{
    app.UseMiddleware<JournalWait>();
}

app.MapReverseProxy();
app.Run();
