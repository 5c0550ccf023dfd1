using Microsoft.AspNetCore.Http;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The discovery documents: protected resource metadata (RFC 9728) for each endpoint that accepts access tokens, and
/// the gateway's authorization server metadata (RFC 8414). Public, small and never cached by clients for long.
/// </summary>
internal static class OAuthMetadataEndpoints
{
    /// <summary>A client assertion HS256 under the agent's runtime secret.</summary>
    public const string ClientSecretJwt = "client_secret_jwt";

    /// <summary>A client assertion signed with the private key of an agent registered with a public key.</summary>
    public const string PrivateKeyJwt = "private_key_jwt";

    /// <summary>
    /// <c>/.well-known/oauth-protected-resource{path}</c>: the document of the resource at <paramref name="path"/> (an
    /// empty path: the first resource, for clients that look at the root only). 404 for a path that is no resource.
    /// </summary>
    public static IResult ProtectedResource(HttpRequest request, string? path, IAccessTokenHost host, AccessTokenUrls urls)
    {
        var resources = host.ResourcePaths;
        var resourcePath = string.IsNullOrEmpty(path) ? resources.FirstOrDefault() : resources.FirstOrDefault(r => r == "/" + path);
        if (resourcePath is null)
        {
            return OAuthJson.Error(StatusCodes.Status404NotFound, "not_found", "No protected resource at this path.");
        }

        return OAuthJson.Object(StatusCodes.Status200OK, json =>
        {
            json.WriteString("resource", urls.Resource(request, resourcePath));
            json.WriteStartArray("authorization_servers");
            json.WriteStringValue(urls.Issuer(request));
            json.WriteEndArray();
            WriteArray(json, "bearer_methods_supported", "header");
            WriteArray(json, "dpop_signing_alg_values_supported", DpopProof.Algorithm);
        });
    }

    /// <summary><c>/.well-known/oauth-authorization-server</c>: the issuer, its token endpoint and what it accepts.</summary>
    public static IResult AuthorizationServer(HttpRequest request, AccessTokenUrls urls, bool metadataDocuments, bool registration) => OAuthJson.Object(StatusCodes.Status200OK, json =>
    {
        json.WriteString("issuer", urls.Issuer(request));
        json.WriteString("token_endpoint", urls.TokenEndpoint(request));

        // People's interactive clients: the authorization-code grant with PKCE (S256 only), public clients ("none").
        json.WriteString("authorization_endpoint", urls.Issuer(request) + AccessTokenUrls.AuthorizationPath);
        WriteArray(json, "response_types_supported", "code");
        WriteArray(json, "response_modes_supported", "query");
        WriteArray(json, "code_challenge_methods_supported", Interactive.Pkce.Method);
        json.WriteBoolean("authorization_response_iss_parameter_supported", true);
        json.WriteBoolean("client_id_metadata_document_supported", metadataDocuments);
        if (registration)
        {
            json.WriteString("registration_endpoint", urls.Issuer(request) + AccessTokenUrls.RegistrationPath);
        }

        WriteArray(json, "grant_types_supported", "client_credentials", Interactive.InteractiveTokenGrant.AuthorizationCode, Interactive.InteractiveTokenGrant.RefreshToken);
        WriteArray(json, "token_endpoint_auth_methods_supported", ClientSecretJwt, PrivateKeyJwt, "none");
        WriteArray(json, "token_endpoint_auth_signing_alg_values_supported", [.. ClientAssertion.Algorithms]);
        WriteArray(json, "dpop_signing_alg_values_supported", DpopProof.Algorithm);
    });

    private static void WriteArray(System.Text.Json.Utf8JsonWriter json, string name, params ReadOnlySpan<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
