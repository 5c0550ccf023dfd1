using Gateway.Proxy.People;

namespace Gateway.Proxy.Console;

/// <summary>
/// Sign-out at the provider (OpenID Connect RP-Initiated Logout 1.0): when the provider's discovery document names an
/// <c>end_session_endpoint</c>, the signed-out browser goes there with the session's ID token as <c>id_token_hint</c>,
/// the client id, and the console's sign-in page as <c>post_logout_redirect_uri</c>, so the next "Sign in" on a shared
/// machine asks for the person again. Without one (or when the provider cannot be reached) sign-out stays local.
/// </summary>
internal sealed partial class ConsoleSignIn
{
    /// <summary>Where to send the browser after <paramref name="session"/> ended locally, or null (sign-out stays local).</summary>
    public async ValueTask<string?> EndSessionUrlAsync(HttpContext context, ConsoleSession session, string? idToken)
    {
        if (idToken is null || ProviderOf(session.Tenant) is not { } provider
            || !string.Equals(provider.IssuerText, session.Issuer, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var configuration = await _configurations.GetAsync(provider, context.RequestAborted);
            if (!ProviderTokenEndpoint.IsUsable(provider, configuration.EndSessionEndpoint, out var endpoint))
            {
                return null;
            }

            var query = QueryString.Create(new Dictionary<string, string?>
            {
                ["id_token_hint"] = idToken,
                ["client_id"] = provider.ClientId,
                ["post_logout_redirect_uri"] = ConsoleOrigin(context) + ConsoleEndpoints.Prefix,
            });
            return endpoint!.AbsoluteUri + (string.IsNullOrEmpty(endpoint.Query) ? query.Value : "&" + query.Value![1..]);
        }
        catch (OpenIdProviderUnavailableException)
        {
            LogEndSessionSkipped(_logger, Uri.EscapeDataString(session.Tenant));
            return null;
        }
    }

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Console: sign-out of tenant {Tenant} stayed local: its OpenID provider cannot be reached")]
    private static partial void LogEndSessionSkipped(ILogger logger, string tenant);
}
