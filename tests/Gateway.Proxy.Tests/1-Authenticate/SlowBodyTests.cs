using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A body that stops arriving is refused as a timeout (408 with a problem body), never a 500; a body that arrives in
/// parts, its first part with the headers, is read whole and decided (the first part is taken without a timer, the rest
/// under one).
/// </summary>
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

    private const string Body = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    [Fact]
    public async Task Evaluate_BodyArrivesInTwoParts_IsReadWholeAndDecided()
    {
        await using var connection = await SendHeadAndFirstBytesAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await connection.WriteBodyAsync(System.Text.Encoding.ASCII.GetBytes(Body[8..]));

        var text = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"allow\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_BodyStallsMidway_Is408ProblemNot500()
    {
        await using var connection = await SendHeadAndFirstBytesAsync();

        var text = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", text, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request_timeout\"", text, StringComparison.Ordinal);
    }

    // A raw connection: a signed evaluation's headers and the first 8 bytes of its body, then nothing more yet.
    private async Task<RawHttpConnection> SendHeadAndFirstBytesAsync()
    {
        var agent = new AgentClient(_gateway.Client, _bundle.AgentSecret);
        using var signed = agent.Create(HttpMethod.Post, "/v1/evaluate", Body);
        var connection = await RawHttpConnection.OpenAsync(_gateway.BaseAddress);
        await connection.WriteAsync(signed, "/v1/evaluate", _gateway.BaseAddress.Authority, bodyBytes: 8);
        return connection;
    }
}
