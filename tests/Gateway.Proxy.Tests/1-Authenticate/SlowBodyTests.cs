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
        await using var stream = await SendHeadAndFirstBytesAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Body[8..]));
        await stream.FlushAsync();

        var text = await ReadAnswerAsync(stream);

        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"allow\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_BodyStallsMidway_Is408ProblemNot500()
    {
        await using var stream = await SendHeadAndFirstBytesAsync();

        var text = await ReadAnswerAsync(stream);

        Assert.StartsWith("HTTP/1.1 408", text, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", text, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request_timeout\"", text, StringComparison.Ordinal);
    }

    // A raw connection: a signed evaluation's headers and the first 8 bytes of its body, then nothing more yet.
    private async Task<System.Net.Sockets.NetworkStream> SendHeadAndFirstBytesAsync()
    {
        var agent = new AgentClient(_gateway.Client, _bundle.AgentSecret);
        using var signed = agent.Create(HttpMethod.Post, "/v1/evaluate", Body);

        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_gateway.BaseAddress.Host, _gateway.BaseAddress.Port);
        var stream = new System.Net.Sockets.NetworkStream(tcp.Client, ownsSocket: true);
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
        return stream;
    }

    // The answer's status line, headers and body: read until its Content-Length of body bytes has arrived.
    private static async Task<string> ReadAnswerAsync(System.Net.Sockets.NetworkStream stream)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var received = new List<byte>();
        var buffer = new byte[4096];
        int read;
        while (!Complete(received) && (read = await stream.ReadAsync(buffer, patience.Token)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, read));
        }

        return System.Text.Encoding.UTF8.GetString([.. received]);
    }

    private static bool Complete(List<byte> received)
    {
        var text = System.Text.Encoding.ASCII.GetString([.. received]);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var length = System.Text.RegularExpressions.Regex.Match(text, "(?i)content-length: *([0-9]+)");
        return end >= 0 && length.Success && received.Count >= end + 4 + int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
