using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// One HTTP/1.1 connection written byte by byte, for what <see cref="HttpClient"/> never sends: a request line of the test's
/// choosing (an absolute-form target), a body that stops midway. The answer is read until its Content-Length has arrived.
/// </summary>
public sealed partial class RawHttpConnection : IAsyncDisposable
{
    private readonly NetworkStream _stream;

    private RawHttpConnection(NetworkStream stream) => _stream = stream;

    /// <summary>Connects to the gateway at <paramref name="server"/>.</summary>
    public static async Task<RawHttpConnection> OpenAsync(Uri server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        return new RawHttpConnection(new NetworkStream(tcp.Client, ownsSocket: true));
    }

    /// <summary>
    /// Writes <paramref name="request"/>'s method, <paramref name="target"/> as its request target, <paramref name="host"/>,
    /// its headers and content headers, then the first <paramref name="bodyBytes"/> bytes of its body (all when null).
    /// </summary>
    public async Task WriteAsync(HttpRequestMessage request, string target, string host, int? bodyBytes = null)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
        var head = new StringBuilder().Append(request.Method.Method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(host).Append("\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var header in request.Headers.Concat(request.Content?.Headers.Where(h => h.Key != "Content-Length") ?? []))
        {
            head.Append(header.Key).Append(": ").Append(string.Join(",", header.Value)).Append("\r\n");
        }

        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        await WriteBodyAsync(body.AsMemory(0, bodyBytes ?? body.Length));
    }

    /// <summary>Writes more of a body.</summary>
    public async Task WriteBodyAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The answer's status line, headers and body, read until its Content-Length of body bytes has arrived.</summary>
    public async Task<string> ReadAnswerAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var received = new List<byte>();
        var buffer = new byte[4096];
        int read;
        while (!Complete(received) && (read = await _stream.ReadAsync(buffer, patience.Token)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, read));
        }

        return Encoding.UTF8.GetString([.. received]);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private static bool Complete(List<byte> received)
    {
        var text = Encoding.ASCII.GetString([.. received]);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var length = ContentLength().Match(text);
        return end >= 0 && length.Success && received.Count >= end + 4 + int.Parse(length.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("(?i)content-length: *([0-9]+)")]
    private static partial Regex ContentLength();
}
