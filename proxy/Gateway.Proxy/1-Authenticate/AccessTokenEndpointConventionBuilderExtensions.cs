namespace Gateway.Proxy.Authenticate;

/// <summary>Marks an agent endpoint as one that also accepts access tokens (<see cref="AccessTokenResourceMetadata"/>).</summary>
public static class AccessTokenEndpointConventionBuilderExtensions
{
    /// <summary>Adds <see cref="AccessTokenResourceMetadata"/>: the endpoint accepts an access token issued for it, as well as a signed request.</summary>
    public static TBuilder AcceptAccessTokens<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessTokenResourceMetadata());
}
