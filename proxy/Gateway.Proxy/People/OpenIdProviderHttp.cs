using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.People;

/// <summary>
/// The one HTTP client the gateway calls the tenants' OpenID providers with (discovery, keys, token exchange): no
/// redirects followed, no cookies, the <see cref="PersonOptions.ProviderTimeout"/> on every call.
/// </summary>
internal sealed class OpenIdProviderHttp : IDisposable
{
    public OpenIdProviderHttp(IOptions<PersonOptions> options)
    {
        Client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = options.Value.ProviderTimeout,
            MaxResponseContentBufferSize = 1024 * 1024,
        };
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
