using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>A body that stops arriving is refused as a timeout (408 with a problem body), never a 500.</summary>
public sealed class SlowBodyTests : IAsyncLifetime
{
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Fact]
    public async Task Evaluate_BodyStallsMidway_Is408ProblemNot500()
    {
        var agent = new AgentClient(_gateway.Client, _bundle.AgentSecret);
        const string Body = """{"tool":"crm.read_contact","args":{"id":"42"},"padding":"..........................................."}""";
        using var signed = agent.Create(HttpMethod.Post, "/v1/evaluate", Body);

        // A raw connection: headers and the first bytes of the body, then silence.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_gateway.BaseAddress.Host, _gateway.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        var head = new System.Text.StringBuilder()
            .Append("POST /v1/evaluate HTTP/1.1\r\n")
            .Append("Host: ").Append(_gateway.BaseAddress.Authority).Append("\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        foreach (var header in signed.Headers)
        {
            head.Append(header.Key).Append(": ").Append(string.Join(",", header.Value)).Append("\r\n");
        }

        head.Append("\r\n").Append(Body.AsSpan(0, 8));
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head.ToString()));
        await stream.FlushAsync();

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var received = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        int read;
        while (!received.ToString().Contains("request_id", StringComparison.Ordinal)
            && (read = await stream.ReadAsync(buffer, patience.Token)) > 0)
        {
            received.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
        }

        var text = received.ToString();

        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", text, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request_timeout\"", text, StringComparison.Ordinal);
    }
}
