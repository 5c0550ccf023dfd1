using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The gateway's public origin (<c>scheme://host[:port]</c>), under which every security-relevant URL is spelled: the
/// OAuth issuer and audiences, the discovery documents, a DPoP proof's <c>htu</c>, a signed request's
/// <c>@target-uri</c>, the console's redirect URI. It is <see cref="AccessTokenOptions.PublicBaseUrl"/> when set (required
/// outside Development). Unset (Development only), a request's own scheme and <c>Host</c> are used only when that host is
/// one the operator listed in <see cref="AccessTokenOptions.AllowedHosts"/> or one the gateway listens on (a loopback or
/// wildcard address: <c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c> at its port); any other
/// <c>Host</c> gets the first listening address, so a header nobody vouched for never names the issuer.
/// </summary>
public sealed class PublicOrigin
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];
    private readonly AccessTokenOptions _options;
    private readonly IServiceProvider _services;
    private Listening? _listening;

    public PublicOrigin(IOptions<AccessTokenOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _services = services;
    }

    /// <summary>The origin a request is answered under (never with a trailing slash).</summary>
    public string For(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_options.PublicBaseUrl.Length > 0)
        {
            return _options.PublicBaseUrl;
        }

        var listening = ListeningAddresses();
        var scheme = request.Scheme;
        if (request.Host.HasValue && scheme is "http" or "https" && Allowed(request.Host, scheme, listening))
        {
            return scheme + "://" + request.Host.ToUriComponent();
        }

        return listening.Fallback;
    }

    /// <summary>
    /// True when the public scheme is https: the public origin is https, or the request came over https (its own TLS, or
    /// a trusted proxy's <c>X-Forwarded-Proto</c>).
    /// </summary>
    public bool IsHttps(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IsHttps || For(request).StartsWith("https://", StringComparison.Ordinal);
    }

    private bool Allowed(HostString host, string scheme, Listening listening)
    {
        var port = host.Port ?? (scheme == "https" ? 443 : 80);
        var name = host.Host;
        return _options.AllowedHosts.Any(allowed => Matches(allowed, name, port, scheme))
            || listening.Authorities.Any(a => a.Port == port && string.Equals(a.Host, name, StringComparison.OrdinalIgnoreCase));
    }

    private static bool Matches(string allowed, string name, int port, string scheme)
    {
        var configured = HostString.FromUriComponent(allowed);
        return string.Equals(configured.Host, name, StringComparison.OrdinalIgnoreCase)
            && (configured.Port ?? (scheme == "https" ? 443 : 80)) == port;
    }

    /// <summary>The hosts the server listens on (a wildcard address: the loopback names), read once the server has started.</summary>
    private Listening ListeningAddresses()
    {
        if (_listening is { } known)
        {
            return known;
        }

        var addresses = _services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var authorities = new List<(string Host, int Port)>();
        string? fallback = null;
        foreach (var address in addresses)
        {
            var wildcard = address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(wildcard, UriKind.Absolute, out var uri))
            {
                continue;
            }

            var any = IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (IPAddress.Any.Equals(ip) || IPAddress.IPv6Any.Equals(ip));
            var names = any || uri.IsLoopback ? LoopbackNames : [uri.Host];
            authorities.AddRange(names.Select(name => (name, uri.Port)));
            fallback ??= uri.Scheme + "://" + (any ? "localhost" : uri.Host) + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var found = new Listening(authorities, fallback ?? "http://localhost");
        if (authorities.Count > 0 && authorities.TrueForAll(static a => a.Port != 0))
        {
            // Once the server has bound its ports (before that a configured port may still read 0).
            _listening = found;
        }

        return found;
    }

    private sealed record Listening(IReadOnlyList<(string Host, int Port)> Authorities, string Fallback);
}
