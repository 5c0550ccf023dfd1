using System.Buffers;
using System.Text;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>
/// A content type that names two different charsets is read by the redactor and by a client each their own way (the first,
/// the last): under redaction such a body is refused, as one declaring a charset the redactor cannot read.
/// </summary>
public sealed class ConflictingCharsetTests
{
    [Theory]
    [InlineData("text/plain; charset=utf-8; charset=iso-8859-1")]
    [InlineData("application/json; charset=us-ascii; charset=windows-1252")]
    [InlineData("text/event-stream; charset=UTF-8; charset=utf-16")]
    public void BodyRedactors_TwoDifferentCharsets_RefusesTheBody(string contentType)
    {
        var body = Encoding.UTF8.GetBytes("{\"note\":\"card 4111 1111 1111 1111\"}");
        var redactor = BodyRedactors.For(contentType);
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<InvalidDataException>(() =>
        {
            redactor.Write(body, output);
            redactor.Complete(output);
        });
        Assert.Equal(0, output.WrittenCount);
        Assert.True(BodyRedactors.IsUnreadable(contentType, body));
    }

    [Theory]
    [InlineData("text/plain; charset=utf-8; charset=\"UTF-8\"")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("text/plain; charset=utf-8;")]
    public void BodyRedactors_OneCharsetNamedOnceOrTwiceAlike_RedactsTheBody(string contentType)
    {
        var redactor = BodyRedactors.For(contentType);
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.UTF8.GetBytes("card 4111 1111 1111 1111"), output);
        redactor.Complete(output);

        Assert.DoesNotContain("4111 1111", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
        Assert.False(BodyRedactors.IsUnreadable(contentType, "card"u8));
    }
}
