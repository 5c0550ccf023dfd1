using System.Net;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Connectors.Egress;
using Gateway.Policy.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Client ID metadata documents (the MCP authorization specification's preferred client identity): a client whose
/// <c>client_id</c> is an https URL publishes its metadata there. Fetched only for a URL an agent's
/// <c>interactive.clients</c> lists (the tenant chose it: nothing else is ever fetched), over https (http only on a
/// loopback host, as the bundle's other URLs), no redirects followed, within 5 seconds and 16 KiB, and never from an
/// address that is not globally reachable (<see cref="InternalAddresses"/>: the host is resolved and checked before it is
/// connected to; loopback, private, link-local and metadata addresses refused, unless
/// <see cref="AccessTokenOptions.AllowInternalClientMetadataDocuments"/>). Refused: a document
/// whose <c>client_id</c> is not exactly its URL, one without <c>redirect_uris</c>, a redirect URI that is not absolute
/// or has a fragment, or that is on another host than the document (a loopback <c>http</c> one, a native client's, is
/// allowed), or a <c>token_endpoint_auth_method</c> other than <c>none</c>. Read anew on each authorization request.
/// </summary>
public sealed partial class ClientMetadataDocuments : IDisposable
{
    private const int MaxBytes = 16 * 1024;

    private readonly HttpClient _http;
    private readonly ILogger<ClientMetadataDocuments> _logger;

    public ClientMetadataDocuments(IOptions<AccessTokenOptions> options, ILogger<ClientMetadataDocuments> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = options.Value.AllowInternalClientMetadataDocuments ? null : InternalAddresses.ConnectAsync,

            // Guarded, the connection is made to the document's own host, never through a proxy: the guard would check the
            // proxy's address, and the proxy would reach whatever the document's host names.
            UseProxy = options.Value.AllowInternalClientMetadataDocuments,
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
            MaxResponseContentBufferSize = MaxBytes,
        };
    }

    /// <summary>The redirect URIs the document at <paramref name="clientId"/> names, or why it is refused.</summary>
    public async ValueTask<(IReadOnlyList<string>? RedirectUris, string Problem)> RedirectUrisAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(clientId, UriKind.Absolute, out var url) || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url))))
        {
            return (null, "The client_id is not an https URL.");
        }

        JsonElement document;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (null, $"The client's metadata document answered {(int)response.StatusCode}.");
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            JsonText.ThrowIfNotText(body);
            document = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (HttpRequestException ex) when (ex.InnerException is InternalAddressException refused)
        {
            LogUnreachable(_logger, nameof(InternalAddressException));
            return (null, "The client's metadata document is not fetched: " + refused.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(_logger, ex.GetType().Name);
            return (null, "The client's metadata document could not be fetched or read (https, no redirects, 5 s, 16 KiB, JSON).");
        }

        return Check(url, document);
    }

    /// <summary>The document's redirect URIs when it holds for <paramref name="url"/>, or why not.</summary>
    public static (IReadOnlyList<string>? RedirectUris, string Problem) Check(Uri url, JsonElement document)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String
            || !string.Equals(id.GetString(), url.OriginalString, StringComparison.Ordinal))
        {
            return (null, "The metadata document's client_id is not exactly the URL it was fetched from.");
        }

        if (document.TryGetProperty("token_endpoint_auth_method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != "none"))
        {
            return (null, "The client must be a public client (token_endpoint_auth_method none).");
        }

        if (!document.TryGetProperty("redirect_uris", out var uris) || uris.ValueKind != JsonValueKind.Array || uris.GetArrayLength() is 0 or > 20)
        {
            return (null, "The metadata document names no redirect_uris (1 to 20).");
        }

        var list = new List<string>();
        foreach (var uri in uris.EnumerateArray())
        {
            if (uri.ValueKind != JsonValueKind.String || !Uri.TryCreate(uri.GetString(), UriKind.Absolute, out var redirect) || !string.IsNullOrEmpty(redirect.Fragment))
            {
                return (null, "A redirect URI of the metadata document is not an absolute URI without a fragment.");
            }

            var sameHost = string.Equals(redirect.Host, url.Host, StringComparison.OrdinalIgnoreCase) && redirect.Scheme == Uri.UriSchemeHttps;
            if (!sameHost && !(redirect.Scheme == Uri.UriSchemeHttp && IsLoopback(redirect)))
            {
                return (null, "A redirect URI of the metadata document is on another host than the document (only a loopback http one may be).");
            }

            list.Add(uri.GetString()!);
        }

        return (list, string.Empty);
    }

    public void Dispose() => _http.Dispose();

    private static bool IsLoopback(Uri uri) =>
        uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [LoggerMessage(EventId = 4154, Level = LogLevel.Warning, Message = "A client's metadata document could not be fetched: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string error);
}
