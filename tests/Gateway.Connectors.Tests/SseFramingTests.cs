using System.Text;

namespace Gateway.Connectors.Tests;

/// <summary>
/// What the gateway's own SSE framing keeps that a parser yielding only <c>data</c>, <c>event</c>,
/// <c>id</c> and <c>retry</c> (System.Net.ServerSentEvents' <c>SseParser</c>) would drop: comment
/// keep-alives, unknown fields, the order of fields and an unterminated last event, each redacted in
/// place (see docs/design-notes.md, "Why SSE framing is not System.Net.ServerSentEvents").
/// </summary>
public sealed class SseFramingTests
{
    [Fact]
    public void Redact_CommentsUnknownFieldsOrderAndUnterminatedLastEvent_AreKeptRedacted()
    {
        var input = $": keep-alive\nx-trace: {Samples.Email}\nevent: delta\ndata: {{\"a\":1}}\nid: 7\n\n: ping\n\ndata: tail {Samples.Email}";

        var output = Redact(Encoding.UTF8.GetBytes(input));

        Assert.Equal(
            ": keep-alive\nx-trace: [REDACTED:email]\nevent: delta\ndata: {\"a\":1}\nid: 7\n\n: ping\n\ndata: tail [REDACTED:email]\n",
            output);
    }

    [Fact]
    public void Redact_EveryChunking_SameFramingAsOneChunk()
    {
        var bytes = Encoding.UTF8.GetBytes($": keep-alive\r\nx-trace: {Samples.Email}\r\ndata: {{\"t\":\"x\"}}\r\n\r\ndata: end\n\n");
        var whole = Redact(bytes);

        for (var split = 1; split < bytes.Length; split++)
        {
            Assert.Equal(whole, Redact(bytes[..split], bytes[split..]));
        }
    }

    private static string Redact(params byte[][] chunks) => SseRedaction.Run(chunks);
}
