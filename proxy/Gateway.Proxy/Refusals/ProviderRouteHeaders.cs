namespace Gateway.Proxy.Refusals;

/// <summary>
/// The two headers every answer on the provider route (<c>/providers/…</c>) carries, the upstream's
/// (<c>7-Forward/ProviderAnswerHeadersTransform.cs</c>) and the gateway's refusals alike: <c>X-Content-Type-Options: nosniff</c>
/// and <c>Content-Security-Policy: sandbox; default-src 'none'</c>, so that an answer opened in a browser never runs,
/// nor loads anything, as the gateway's origin.
/// </summary>
internal static class ProviderRouteHeaders
{
    /// <summary>The policy: a document that runs nothing and loads nothing, in an opaque origin.</summary>
    public const string ContentSecurityPolicy = "sandbox; default-src 'none'";

    /// <summary>True for a request on the provider route, whatever the case of its path.</summary>
    public static bool IsProviderRoute(HttpRequest request) =>
        request.Path.StartsWithSegments("/providers", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sets the two headers.</summary>
    public static void Mark(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
    }
}
