using System.Buffers;
using System.Text;
using Gateway.Proxy.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Pipeline;

/// <summary>A governed answer written from a pooled array leaves nothing of itself in the shared pool once written.</summary>
public sealed class JsonResponseBodyTests
{
    private const string Token = "dt_v1.secret-decision-token-0123456789";

    [Fact]
    public async Task WriteAsync_BodyWithADecisionToken_IsNotLeftInThePool()
    {
        var context = new DefaultHttpContext();
        using var written = new MemoryStream();
        context.Response.Body = written;

        // Written synchronously (a memory stream): the array went back to this thread's slot of the pool, which hands it to
        // the next rent of that size on the thread.
        var writing = JsonResponseBody.WriteAsync(context.Response, Token, static (writer, token) =>
        {
            writer.WriteStartObject();
            writer.WriteString("decision_token", token);
            writer.WriteEndObject();
        }, CancellationToken.None);
        Assert.True(writing.IsCompletedSuccessfully);
        await writing;

        var rented = ArrayPool<byte>.Shared.Rent((int)written.Length);
        try
        {
            Assert.Contains(Token, Encoding.UTF8.GetString(written.ToArray()), StringComparison.Ordinal);
            Assert.DoesNotContain(Token, Encoding.UTF8.GetString(rented), StringComparison.Ordinal);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
