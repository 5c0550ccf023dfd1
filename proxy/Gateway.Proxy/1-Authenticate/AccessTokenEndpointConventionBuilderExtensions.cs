namespace Gateway.Proxy.Authenticate;

/// <summary>Marks an agent endpoint as one that also accepts access tokens (<see cref="AccessTokenResourceMetadata"/>).</summary>
public static class AccessTokenEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="AccessTokenResourceMetadata"/>: the endpoint accepts an access token issued for the resource at
    /// <paramref name="resourcePath"/> (e.g. <c>/mcp</c>), as well as a signed request.
    /// </summary>
    public static TBuilder AcceptAccessTokens<TBuilder>(this TBuilder builder, string resourcePath)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessTokenResourceMetadata(resourcePath));
}
