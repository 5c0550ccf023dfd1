using Gamut.Agent.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>What an ASP.NET Core receiver does with <see cref="WebhookSignatureVerifier"/> (the README's example).</summary>
internal static class WebhookReceiving
{
    /// <summary>
    /// Verifies the request on its raw target, header values and body bytes; the body is buffered and rewound, so the
    /// handler reads it again.
    /// </summary>
    public static async Task<WebhookVerification> VerifyAsync(this WebhookSignatureVerifier verifier, HttpContext context)
    {
        var request = context.Request;
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        request.Body.Position = 0;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        return await verifier.VerifyAsync(request.Method, target, name => request.Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null, body.ToArray(), context.RequestAborted);
    }
}
