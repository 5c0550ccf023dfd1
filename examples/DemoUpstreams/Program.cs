using Gateway.Examples.DemoUpstreams;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    foreach (var port in DemoPorts.All)
    {
        kestrel.ListenLocalhost(port);
    }
});
var app = builder.Build();
app.MapDemoUpstreams();
app.Run();
