using System.Diagnostics;
using System.Net;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// The one pooled HTTP client the gateway forwards with: no proxy, no redirects, no cookies, no
/// automatic decompression (bodies pass as they are), distributed tracing headers propagated.
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient()
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ActivityHeadersPropagator = DistributedContextPropagator.Current,
        });
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
