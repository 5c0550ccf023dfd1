using System.Net.Http.Headers;
using System.Text;
using Gateway.Connectors.Credentials;
using Gateway.Policy;

namespace Gateway.Proxy.People;

/// <summary>
/// The tenant's OpenID provider's token endpoint (from its discovery document: https, or http when the issuer itself is
/// http), called as the gateway's client (<c>client_id</c> and the vault's <c>client_secret</c>, <c>client_secret_basic</c>):
/// the console's authorization-code redemption, the RFC 8693 exchange and the renewal of a person's kept provider token.
/// Throws what the provider, the vault or the network throw (<see cref="OpenIdProviderUnavailableException"/>,
/// <see cref="CredentialUnavailableException"/>, <see cref="HttpRequestException"/>, a timeout's cancellation).
/// </summary>
internal sealed class ProviderTokenEndpoint
{
    private readonly OpenIdConfigurations _configurations;
    private readonly OpenIdProviderHttp _http;
    private readonly CredentialResolver _vault;

    public ProviderTokenEndpoint(OpenIdConfigurations configurations, OpenIdProviderHttp http, CredentialResolver vault)
    {
        _configurations = configurations;
        _http = http;
        _vault = vault;
    }

    /// <summary>POSTs <paramref name="form"/>: the status and body, or why it could not be sent (no client, no usable endpoint).</summary>
    public async ValueTask<(int Status, byte[] Body, string? Unusable)> PostAsync(
        string tenant, OpenIdProvider provider, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        if (provider.ClientId is not { } clientId || ConnectorCredentials.ReferenceOf(provider.ClientSecret) is not { } secretReference)
        {
            return (0, [], "the tenant's OpenID provider names no client to call it as");
        }

        var configuration = await _configurations.GetAsync(provider, cancellationToken).ConfigureAwait(false);
        if (!IsUsable(provider, configuration.TokenEndpoint, out var endpoint))
        {
            return (0, [], "the provider's discovery document names no usable token_endpoint");
        }

        var clientSecret = await _vault.ResolveAsync(tenant, secretReference, cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret.Value))));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>An endpoint the provider's discovery document names: https, or http when the issuer itself is http (a loopback provider).</summary>
    public static bool IsUsable(OpenIdProvider provider, string? value, out Uri? endpoint) =>
        Uri.TryCreate(value, UriKind.Absolute, out endpoint)
        && (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && provider.Issuer.Scheme == Uri.UriSchemeHttp));
}
