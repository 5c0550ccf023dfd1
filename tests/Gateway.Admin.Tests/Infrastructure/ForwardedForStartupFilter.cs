using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;

namespace Gateway.Admin.Tests.Infrastructure;

/// <summary>
/// Reads the client address from <c>X-Forwarded-For</c> sent by the loopback test client (a trusted proxy, as the gateway's
/// forwarding configures it), so that a test can speak from any address.
/// </summary>
internal sealed class ForwardedForStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor };
        options.KnownProxies.Add(System.Net.IPAddress.Loopback);
        app.UseForwardedHeaders(options);
        next(app);
    };
}
