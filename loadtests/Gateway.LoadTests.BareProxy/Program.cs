// The baseline: a bare YARP reverse proxy, configured from appsettings.json (one catch-all route, one
// cluster), nothing else in the pipeline. The upstream's address comes from the command line:
//   --ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:PORT/
// appsettings.json is read from the binaries' folder, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(static kestrel => kestrel.AddServerHeader = false);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
var app = builder.Build();
app.MapReverseProxy();
app.Run();
