namespace Gateway.Proxy.People;

/// <summary>A tenant's OpenID provider could not be read (discovery document or keys), and no keys fetched earlier may be used.</summary>
internal sealed class OpenIdProviderUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
