using Gateway.Proxy;
using Gateway.Proxy.Hosting;

// `gateway migrate`: the schema only, then exit (the chart's hook Job); anything else starts the server.
if (SchemaMigrateCommand.IsRequested(args))
{
    return await SchemaMigrateCommand.MainAsync(args);
}

var app = GatewayApplication.Build(args);
app.Run();
return 0;
