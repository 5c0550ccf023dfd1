using System.Net;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Redirect-URI matching: exact (ordinal, the whole string), except that a registered loopback URI (<c>http</c> on
/// <c>127.0.0.1</c>, <c>[::1]</c> or <c>localhost</c>) matches the same URI on any port, for a native client that
/// listens on a port the system gives it (RFC 8252 §7.3). Nothing else is relaxed: path, query, scheme and host are
/// compared exactly.
/// </summary>
public static class RedirectUris
{
    /// <summary>The registered URI <paramref name="presented"/> matches, or null.</summary>
    public static string? Match(IReadOnlyList<string> registered, string? presented)
    {
        ArgumentNullException.ThrowIfNull(registered);
        if (string.IsNullOrEmpty(presented) || presented.Length > 2048 || !Uri.TryCreate(presented, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return null;
        }

        foreach (var candidate in registered)
        {
            if (string.Equals(candidate, presented, StringComparison.Ordinal))
            {
                return candidate;
            }

            if (Uri.TryCreate(candidate, UriKind.Absolute, out var expected) && IsLoopback(expected) && expected.Scheme == Uri.UriSchemeHttp
                && uri.Scheme == Uri.UriSchemeHttp && string.Equals(WithoutPort(expected), WithoutPort(uri), StringComparison.Ordinal)
                && string.Equals(presented, Rebuilt(uri), StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The URI with the port dropped: scheme, host, path and query as written.</summary>
    private static string WithoutPort(Uri uri) => uri.Scheme + "://" + uri.Host + uri.PathAndQuery;

    /// <summary>The URI spelled back from its parts: a presented URI that is spelled otherwise (userinfo, escapes) does not match.</summary>
    private static string Rebuilt(Uri uri) => uri.Scheme + "://" + uri.Host + (uri.IsDefaultPort ? string.Empty : ":" + uri.Port) + uri.PathAndQuery;
}
