using System.Diagnostics;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A body that stalls is refused by Kestrel's minimum request body data rate (240 bytes a second once a 5 s grace period
/// is over) before <c>Gateway:Limits:BodyReadTimeout</c> runs out: the same 408 <c>request_timeout</c> problem, about 5 to
/// 6 s after the body began, as docs/operations.md says.
/// </summary>
public sealed class BodyDataRateTests : IAsyncLifetime
{
    private const string Body = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?> { ["Gateway:Limits:BodyReadTimeout"] = "00:02:00" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Fact]
    public async Task Evaluate_BodyStallsWithALongBodyReadTimeout_Is408FromTheMinimumDataRate()
    {
        var agent = new AgentClient(_gateway.Client, _bundle.AgentSecret);
        using var signed = agent.Create(HttpMethod.Post, "/v1/evaluate", Body);
        await using var connection = await RawHttpConnection.OpenAsync(_gateway.BaseAddress);
        var started = Stopwatch.GetTimestamp();
        await connection.WriteAsync(signed, "/v1/evaluate", _gateway.BaseAddress.Authority, bodyBytes: 8);

        var text = await connection.ReadAnswerAsync();

        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request_timeout\"", text, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(30));
    }
}
