using Microsoft.AspNetCore.Http;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// The redirect back to the client (RFC 6749 §4.1.2): the code or the error, the client's <c>state</c>, and the issuer
/// (<c>iss</c>, RFC 9207) so that a client talking to several authorization servers can tell which one answered.
/// </summary>
public static class AuthorizationResponse
{
    public static string Code(string redirectUri, string code, string? state, string issuer) =>
        Build(redirectUri, new Dictionary<string, string?> { ["code"] = code, ["state"] = state, ["iss"] = issuer });

    public static string Error(string redirectUri, string error, string description, string? state, string issuer) =>
        Build(redirectUri, new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description, ["state"] = state, ["iss"] = issuer });

    private static string Build(string redirectUri, Dictionary<string, string?> parameters)
    {
        var query = QueryString.Create(parameters.Where(p => p.Value is not null));
        return redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" + query.Value![1..] : query.Value);
    }
}
