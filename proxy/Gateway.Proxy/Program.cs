using Gateway.Proxy;

var app = GatewayApplication.Build(args);
app.Run();
