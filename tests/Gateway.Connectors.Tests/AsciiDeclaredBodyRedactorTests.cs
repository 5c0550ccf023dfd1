using System.Buffers;
using System.Text;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>
/// A body declared US-ASCII is redacted as the UTF-8 it spells while every byte is ASCII, and refused at its first byte
/// above 0x7F, which an agent reading US-ASCII as windows-1252 takes for another character than the redactor does.
/// </summary>
public sealed class AsciiDeclaredBodyRedactorTests
{
    [Theory]
    [InlineData("text/plain; charset=us-ascii")]
    [InlineData("text/html; charset=\"US-ASCII\"")]
    [InlineData("application/json; charset=ascii")]
    [InlineData("text/event-stream; charset=us-ascii")]
    public void BodyRedactors_AsciiDeclaredBodyWithAByteAbove7F_RefusesTheBody(string contentType)
    {
        // Valid UTF-8 (C2 96, the control U+0096, between the groups of a card number), yet bytes above 0x7F: a reader of
        // US-ASCII as windows-1252 reads "Â–", a dash, where the redactor saw no separator.
        var body = Encoding.UTF8.GetBytes("data: \"card 4111\u00961111\u00961111\u00961111\"\n\n");

        foreach (var chunks in new[] { new[] { body }, [body[..10], body[10..]] })
        {
            var redactor = BodyRedactors.For(contentType);
            var output = new ArrayBufferWriter<byte>();
            Assert.Throws<InvalidDataException>(() =>
            {
                foreach (var chunk in chunks)
                {
                    redactor.Write(chunk, output);
                }

                redactor.Complete(output);
            });
        }
    }
}
