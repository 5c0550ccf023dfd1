using Gateway.Authorization.AccessTokens;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// HSTS on every answer whenever the gateway's public scheme is https (its public base URL is https, or the request
/// came over https, a trusted proxy's <c>X-Forwarded-Proto</c> included): a browser that reached it once over TLS never
/// falls back to plain http, where the console's cookie would be exposed.
/// </summary>
internal sealed class StrictTransportSecurity(RequestDelegate next, PublicOrigin origin)
{
    public const string Value = "max-age=31536000; includeSubDomains";

    public Task InvokeAsync(HttpContext context)
    {
        if (origin.IsHttps(context.Request))
        {
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                response.Headers.StrictTransportSecurity = Value;
                return Task.CompletedTask;
            }, context.Response);
        }

        return next(context);
    }
}
