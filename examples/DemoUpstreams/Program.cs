using System.Net.Sockets;
using Gateway.Examples.DemoUpstreams;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    foreach (var (_, port) in DemoPorts.All)
    {
        kestrel.ListenLocalhost(port);
    }
});
var app = builder.Build();
app.MapDemoUpstreams();
try
{
    app.Run();
}
catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    var taken = DemoPorts.All.Where(p => ex.Message.Contains(":" + p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList();
    var named = taken.Count > 0 ? string.Join(", ", taken.Select(p => $"{p.Port} ({p.Variable})")) : "one of " + string.Join(", ", DemoPorts.All.Select(p => p.Variable));
    Console.Error.WriteLine($"demo-upstreams: port {named} is already in use; set that variable to a free port.");
    return 1;
}

return 0;
