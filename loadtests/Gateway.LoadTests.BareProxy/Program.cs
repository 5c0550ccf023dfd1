// The baseline: a bare YARP reverse proxy, configured from appsettings.json (one catch-all route, one
// cluster), nothing else in the pipeline. The upstream's address comes from the command line:
//   --ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:PORT/
// appsettings.json is read from the binaries' folder, whatever the working directory.
//
// Equal terms with the gateway (issue #52, docs/performance.md "How the comparison is made"): the same
// hosting settings as the gateway in the load test — the default logging providers at Warning, the same
// GC setting (the project file), and OpenTelemetry metrics (ASP.NET Core and HttpClient instruments)
// served to Prometheus on a port of their own when --Metrics:Port is given (that port must also be one of
// --urls), as the gateway serves /metrics on its metrics port. Traces are off in both (no OTLP endpoint is
// configured).
using OpenTelemetry.Metrics;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(static kestrel => kestrel.AddServerHeader = false);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var metricsPort = builder.Configuration.GetValue<int?>("Metrics:Port");
if (metricsPort is not null)
{
    builder.Services.AddOpenTelemetry().WithMetrics(static metrics => metrics
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddPrometheusExporter());
}

var app = builder.Build();
if (metricsPort is { } scrapePort)
{
    app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == scrapePort);
}

app.MapReverseProxy();
app.Run();
