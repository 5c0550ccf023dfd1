using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.AccessTokens;

/// <summary>Validates <see cref="AccessTokenOptions"/> at start-up, every error at once.</summary>
/// <param name="requirePublicBaseUrl">Outside Development: a public base URL must be configured, and be https unless its host is loopback or <see cref="AccessTokenOptions.AllowPlainHttp"/> is true.</param>
internal sealed class AccessTokenOptionsValidator(bool requirePublicBaseUrl = false) : IValidateOptions<AccessTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (requirePublicBaseUrl && options.PublicBaseUrl.Length == 0)
        {
            errors.Add($"{AccessTokenOptions.SectionName}:PublicBaseUrl is required outside Development: set it to the gateway's public origin as clients reach it (e.g. https://gateway.example.com; the chart's publicBaseUrl). The OAuth issuer, token audiences, signed requests' @target-uri and the console's redirect URI are spelled under it, never under a request's Host header.");
        }

        foreach (var host in options.AllowedHosts)
        {
            if (string.IsNullOrEmpty(host) || host.IndexOfAny(['/', '?', '#', '@', '*', ' ']) >= 0
                || Uri.CheckHostName(HostString.FromUriComponent(host).Host.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                errors.Add($"{AccessTokenOptions.SectionName}:AllowedHosts entry '{host}' must be a host name or address with an optional port, e.g. gateway.test:8080.");
            }
        }

        if (options.Lifetime <= TimeSpan.Zero || options.Lifetime > AccessTokenOptions.MaxLifetime)
        {
            errors.Add($"{AccessTokenOptions.SectionName}:Lifetime must be more than 0 and at most {AccessTokenOptions.MaxLifetime}.");
        }

        if (options.AuthorizationsPerMinute < 1 || options.RegistrationsPerMinute < 1)
        {
            errors.Add($"{AccessTokenOptions.SectionName}:AuthorizationsPerMinute and RegistrationsPerMinute must be at least 1.");
        }

        if (options.PublicBaseUrl.Length > 0
            && (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("https" or "http")
                || uri.AbsolutePath != "/" || options.PublicBaseUrl.EndsWith('/')
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0))
        {
            errors.Add($"{AccessTokenOptions.SectionName}:PublicBaseUrl must be an absolute http(s) origin without path, query or trailing slash, e.g. https://gateway.example.com.");
        }
        else if (requirePublicBaseUrl && !options.AllowPlainHttp && Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var origin)
            && origin.Scheme == Uri.UriSchemeHttp && !IsLoopback(origin))
        {
            errors.Add($"{AccessTokenOptions.SectionName}:PublicBaseUrl '{options.PublicBaseUrl}' is plain http on a host other than loopback outside Development: "
                + "the console's cookies would not be Secure and tokens would cross the network in clear. Use the https:// origin clients reach, "
                + $"or, where the network encrypts (a mesh with sidecar mTLS), set {AccessTokenOptions.SectionName}:AllowPlainHttp=true.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // localhost, 127.x.x.x or [::1]: what the chart's install notes count as loopback too.
    private static bool IsLoopback(Uri uri) =>
        string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
