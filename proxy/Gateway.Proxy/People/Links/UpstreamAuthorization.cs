using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.Proxy.People.Links;

/// <summary>
/// The gateway as a client of a <c>per_person</c> connector's upstream authorization server: its metadata (the discovery
/// document through <see cref="OpenIdConfigurations"/>, its <c>issuer</c> exactly the bundle's), the gateway's client there
/// (pre-registered with its secret from the vault, the client metadata document the gateway serves, or registered once per
/// tenant and connector by RFC 7591, the registration kept encrypted in the store), and its token endpoint (code, refresh
/// and RFC 8693 exchange; <c>client_secret_basic</c> for a confidential client, <c>client_id</c> in the form for a public one).
/// Each stored registration is named in a per-tenant index (<see cref="RegistrationIndexKey"/>), so a data-key rotation's
/// re-encryption seals it again (<see cref="ResealRegistrationsAsync"/>): one that no longer opens is registered anew, a
/// new client id, and every link made as the old one is unlinked at its next refresh.
/// </summary>
internal sealed partial class UpstreamAuthorization
{
    private readonly OpenIdConfigurations _configurations;
    private readonly OpenIdProviderHttp _http;
    private readonly CredentialResolver _vault;
    private readonly IStateStore _store;
    private readonly EncryptionKeyRing _keys;
    private readonly ILogger<UpstreamAuthorization> _logger;
    private readonly ConcurrentDictionary<string, byte> _indexed = new(StringComparer.Ordinal);

    public UpstreamAuthorization(OpenIdConfigurations configurations, OpenIdProviderHttp http, CredentialResolver vault, IStateStore store, EncryptionKeyRing keys,
        ILogger<UpstreamAuthorization> logger)
    {
        _configurations = configurations;
        _http = http;
        _vault = vault;
        _store = store;
        _keys = keys;
        _logger = logger;
    }

    /// <summary>The server's metadata; <see cref="OpenIdProviderUnavailableException"/> when it cannot be read or names another issuer.</summary>
    public ValueTask<OpenIdConnectConfiguration> MetadataAsync(PersonRequirement needs, CancellationToken cancellationToken) =>
        _configurations.GetAsync(new OpenIdProvider { Issuer = needs.AuthorizationServer!, IssuerText = needs.AuthorizationServerText!, Audiences = ["-"] }, cancellationToken);

    /// <summary>
    /// The gateway's client at the server for <paramref name="connector"/> of <paramref name="tenant"/>:
    /// <paramref name="origin"/> is the gateway's public origin (the metadata document's URL and the redirect URI start with it).
    /// </summary>
    public async ValueTask<UpstreamClient> ClientAsync(string tenant, string connector, PersonRequirement needs, string origin, CancellationToken cancellationToken)
    {
        var client = needs.Client ?? throw new CredentialUnavailableException("the connector names no client");
        if (client.Id is { } id)
        {
            return new UpstreamClient(id, ConnectorCredentials.ReferenceOf(client.Secret) is { } reference
                ? await _vault.ResolveAsync(tenant, reference, cancellationToken).ConfigureAwait(false)
                : null);
        }

        if (client.MetadataDocument)
        {
            return new UpstreamClient(MetadataDocumentUrl(origin, tenant, connector), null);
        }

        var redirectUri = RedirectUri(origin, tenant);
        var key = RegistrationKey(tenant, connector, needs.AuthorizationServerText!, redirectUri);
        var context = RegistrationContext(tenant, connector);
        if (await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            try
            {
                var registered = JsonSerializer.Deserialize(CredentialEnvelope.DecryptString(_keys, stored, context), LinksJsonContext.Default.RegisteredClient)!;
                await IndexAsync(tenant, connector, key, cancellationToken).ConfigureAwait(false);
                return new UpstreamClient(registered.ClientId, registered.ClientSecret is { } s ? new SecretValue(s) : null);
            }
            catch (Exception ex) when (ex is CryptographicException or JsonException)
            {
                LogRegistration(_logger, tenant, connector, "unreadable, registering again");
            }
        }

        var fresh = await RegisterAsync(tenant, connector, needs, redirectUri, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(key, CredentialEnvelope.Encrypt(_keys, JsonSerializer.Serialize(fresh, LinksJsonContext.Default.RegisteredClient), context), expiry: null, cancellationToken)
            .ConfigureAwait(false);
        await IndexAsync(tenant, connector, key, cancellationToken).ConfigureAwait(false);
        return new UpstreamClient(fresh.ClientId, fresh.ClientSecret is { } secret ? new SecretValue(secret) : null);
    }

    /// <summary>
    /// After a data-key rotation: seals again under the active key every dynamic registration of the tenant the index names
    /// (compare-and-set: a registration written meanwhile is counted as changed, never undone).
    /// </summary>
    public async ValueTask ResealRegistrationsAsync(string tenant, SealedKindTally tally, CancellationToken cancellationToken)
    {
        var prefix = RegistrationPrefix(tenant);
        foreach (var member in await _store.SetMembersAsync(RegistrationIndexKey(tenant), cancellationToken).ConfigureAwait(false))
        {
            var newline = member.IndexOf('\n', StringComparison.Ordinal);
            if (newline > 0 && member[..newline] is var key && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                await tally.ResealStoredAsync(_store, key, RegistrationContext(tenant, member[(newline + 1)..]), expiry: null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The set naming the tenant's stored dynamic registrations: each member the store key, a newline and the connector.</summary>
    internal static string RegistrationIndexKey(string tenant) => $"{StoreKeys.Prefix}{{{tenant}}}:linked-client-index";

    /// <summary>Names a stored registration in the index, once per process (a registration stored by an earlier version, at its first read).</summary>
    private async ValueTask IndexAsync(string tenant, string connector, string key, CancellationToken cancellationToken)
    {
        var member = key + "\n" + connector;
        if (!_indexed.ContainsKey(member))
        {
            await _store.SetAddAsync(RegistrationIndexKey(tenant), member, expiry: null, cancellationToken).ConfigureAwait(false);
            _indexed.TryAdd(member, 0);
        }
    }

    /// <summary>Posts <paramref name="form"/> to the server's token endpoint as <paramref name="client"/>: the answer, or the refusal's status and OAuth error code.</summary>
    public async ValueTask<(UpstreamTokenResponse? Issued, int Status, string? Error)> TokenAsync(
        PersonRequirement needs, UpstreamClient client, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(needs, cancellationToken).ConfigureAwait(false);
        var endpoint = Endpoint(needs, metadata.TokenEndpoint) ?? throw new OpenIdProviderUnavailableException("The authorization server names no usable token_endpoint.");
        var fields = form.ToList();
        if (client.Secret is null)
        {
            fields.Add(new("client_id", client.ClientId));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(fields) };
        if (client.Secret is { } secret)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
                Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(secret.Value))));
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (null, (int)response.StatusCode, ErrorCode(body));
        }

        var issued = Parse(body);
        return issued is { AccessToken.Length: > 0 } && (issued.TokenType is null || string.Equals(issued.TokenType, "Bearer", StringComparison.OrdinalIgnoreCase) || issued.TokenType == "N_A")
            ? (issued, (int)response.StatusCode, null)
            : (null, StatusCodes.Status502BadGateway, "no_bearer_access_token");
    }

    /// <summary>
    /// The upstream account's subject: the ID token's <c>sub</c> (received straight from the token endpoint over its TLS, its
    /// <c>iss</c> the server and its <c>aud</c> the client, its <c>nonce</c> the flow's when one is given), else a JWT access
    /// token's <c>sub</c> when its <c>iss</c> is the server; null when neither says.
    /// </summary>
    public static string? SubjectOf(PersonRequirement needs, string clientId, UpstreamTokenResponse issued, string? nonce)
    {
        var handler = new JsonWebTokenHandler();
        if (issued.IdToken is { Length: <= 16_384 } idToken && handler.CanReadToken(idToken))
        {
            var token = handler.ReadJsonWebToken(idToken);
            var nonceOk = nonce is null || (token.TryGetPayloadValue<string>("nonce", out var presented) && presented == nonce);
            return token.Issuer == needs.AuthorizationServerText && token.Audiences.Contains(clientId) && nonceOk && token.Subject is { Length: > 0 and <= 255 } sub ? sub : null;
        }

        if (issued.AccessToken is { Length: <= 16_384 } access && handler.CanReadToken(access))
        {
            var token = handler.ReadJsonWebToken(access);
            return token.Issuer == needs.AuthorizationServerText && token.Subject is { Length: > 0 and <= 255 } sub ? sub : null;
        }

        return null;
    }

    /// <summary>The client metadata document's URL, which is the client id (draft-ietf-oauth-client-id-metadata-document).</summary>
    public static string MetadataDocumentUrl(string origin, string tenant, string connector) =>
        origin + "/connections/" + Uri.EscapeDataString(tenant) + "/" + Uri.EscapeDataString(connector) + "/client-metadata.json";

    /// <summary>The store key of the gateway's dynamic registration for the connector at the server, with the redirect URI.</summary>
    internal static string RegistrationKey(string tenant, string connector, string authorizationServer, string redirectUri) =>
        RegistrationPrefix(tenant) + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(connector + "\n" + authorizationServer + "\n" + redirectUri)));

    private static string RegistrationPrefix(string tenant) => $"{StoreKeys.Prefix}{{{tenant}}}:linked-client:";

    /// <summary>What a stored registration's envelope is bound to: the tenant and the connector.</summary>
    internal static string RegistrationContext(string tenant, string connector) => "linked-client:" + tenant + ":" + connector;

    /// <summary>Where the server sends the person back after they consent.</summary>
    public static string RedirectUri(string origin, string tenant) => origin + "/connections/" + Uri.EscapeDataString(tenant) + "/callback";

    /// <summary>An endpoint the server names: https, or http when the server itself is http (a loopback server).</summary>
    public static Uri? Endpoint(PersonRequirement needs, string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var endpoint)
        && (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && needs.AuthorizationServer!.Scheme == Uri.UriSchemeHttp))
            ? endpoint
            : null;

    private async ValueTask<RegisteredClient> RegisterAsync(string tenant, string connector, PersonRequirement needs, string redirectUri, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(needs, cancellationToken).ConfigureAwait(false);
        var endpoint = Endpoint(needs, metadata.RegistrationEndpoint)
            ?? throw new CredentialUnavailableException("the authorization server offers no registration_endpoint for dynamic registration");
        using var body = JsonContent.Create(new Dictionary<string, object>
        {
            ["client_name"] = "Gamut gateway (" + tenant + ", " + connector + ")",
            ["redirect_uris"] = new[] { redirectUri },
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
            ["token_endpoint_auth_method"] = "client_secret_basic",
        });
        using var response = await _http.Client.PostAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var document = response.IsSuccessStatusCode ? Document(answer) : null;
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } clientId)
        {
            // A refusal, or a success whose answer is no JSON object naming a client: the same, the server is unusable for now.
            LogRegistration(_logger, tenant, connector, (response.IsSuccessStatusCode ? "unusable answer: " : "refused: ") + (int)response.StatusCode);
            throw new CredentialUnavailableException("the authorization server refused the gateway's dynamic registration");
        }

        LogRegistration(_logger, tenant, connector, "registered");
        return new RegisteredClient(clientId, root.TryGetProperty("client_secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null, redirectUri);
    }

    private static JsonDocument? Document(byte[] body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static UpstreamTokenResponse? Parse(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, LinksJsonContext.Default.UpstreamTokenResponse);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The OAuth <c>error</c> code of a refusal (a short identifier, never its description), or <c>unknown</c>.</summary>
    internal static string ErrorCode(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String && error.GetString() is { Length: > 0 and <= 64 } code && code.All(static c => c is (>= 'a' and <= 'z') or '_')
                ? code
                : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }

    [LoggerMessage(EventId = 3323, Level = LogLevel.Information, Message = "Dynamic client registration for connector {Connector} of tenant {Tenant}: {Outcome}")]
    private static partial void LogRegistration(ILogger logger, string tenant, string connector, string outcome);
}
