using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Authorization.AccessTokens;

/// <summary>Writes the OAuth endpoints' JSON answers (never cached: <c>Cache-Control: no-store</c>).</summary>
internal static class OAuthJson
{
    /// <summary>An answer whose object <paramref name="write"/> fills.</summary>
    public static IResult Object(int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        return new Answer(status, buffer.WrittenMemory.ToArray());
    }

    /// <summary>An OAuth error object (<c>error</c>, <c>error_description</c>).</summary>
    public static IResult Error(int status, string error, string description) => Object(status, json =>
    {
        json.WriteString("error", error);
        json.WriteString("error_description", description);
    });

    private sealed class Answer(int status, byte[] body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength = body.Length;
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
            return response.Body.WriteAsync(body).AsTask();
        }
    }
}
