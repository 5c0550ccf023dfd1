namespace Gateway.Proxy.Console;

/// <summary>
/// Hardening headers on every <c>/console</c> answer: a CSP without any script (nothing inline, nothing loaded),
/// styles only from the gateway, forms only to it, no framing (<c>frame-ancestors 'none'</c> and <c>X-Frame-Options: DENY</c>),
/// <c>nosniff</c>, <c>Referrer-Policy: no-referrer</c>, no caching (HSTS: <see cref="Hosting.StrictTransportSecurity"/>).
/// </summary>
internal sealed class ConsoleSecurityHeaders(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";

        return next(context);
    }
}
