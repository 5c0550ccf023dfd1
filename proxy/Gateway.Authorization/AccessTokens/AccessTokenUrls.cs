using Microsoft.AspNetCore.Http;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The URLs of the gateway as an OAuth authorization server and protected resource, spelled under
/// the <see cref="PublicOrigin"/> (the configured public base URL; never an unlisted <c>Host</c> header).
/// </summary>
public sealed class AccessTokenUrls
{
    /// <summary>The token endpoint's path.</summary>
    public const string TokenPath = "/oauth/token";

    /// <summary>The authorization endpoint's path (the authorization-code grant of people's interactive clients).</summary>
    public const string AuthorizationPath = "/oauth/authorize";

    /// <summary>The dynamic client registration endpoint's path (RFC 7591; served only when an agent allows it).</summary>
    public const string RegistrationPath = "/oauth/register";

    /// <summary>RFC 9728's well-known prefix; a resource's document is this followed by the resource's path.</summary>
    public const string ResourceMetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>RFC 8414's well-known path (the issuer has no path).</summary>
    public const string AuthorizationServerMetadataPath = "/.well-known/oauth-authorization-server";

    private readonly PublicOrigin _origin;

    public AccessTokenUrls(PublicOrigin origin) => _origin = origin;

    /// <summary>The issuer: the public origin.</summary>
    public string Issuer(HttpRequest request) => _origin.For(request);

    public string TokenEndpoint(HttpRequest request) => Issuer(request) + TokenPath;

    /// <summary>The resource identifier (RFC 8707) of the endpoint at <paramref name="path"/>: the token's audience.</summary>
    public string Resource(HttpRequest request, string path) => Issuer(request) + path;

    /// <summary>Where the resource's metadata document is (RFC 9728 §3.1).</summary>
    public string ResourceMetadata(HttpRequest request, string path) => Issuer(request) + ResourceMetadataPath + path;

    /// <summary>The request's URL as a client addressed it (public origin, path; no query): what a DPoP proof's htu names.</summary>
    public Uri RequestUrl(HttpRequest request) => new(Issuer(request) + request.PathBase + request.Path);
}
