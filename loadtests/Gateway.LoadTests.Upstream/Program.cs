using Gateway.LoadTests.Upstream;

// A fast stand-in for the demo connectors' upstreams (load tests only; loopback only):
//   GET  /crm/contacts/{id}      a small JSON contact
//   POST /v1/chat/completions    OpenAI-compatible; "stream": true answers SSE chunks and a final usage chunk
//   GET  /healthz                200
// Usage: Gateway.LoadTests.Upstream --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(static kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
UpstreamEndpoints.Map(app);
app.Run();
