using Gateway.Policy;

namespace Gateway.Proxy.People.Links;

/// <summary>
/// What a person consented to when they linked: the authorization server that issued the link's tokens (its issuer as the
/// bundle wrote it), the gateway's client there, the origins the access token is sent to (the connector's upstream and
/// destinations, sorted, space-separated) and the <c>resource</c> asked for. A link is used, and refreshed, only while the
/// connector's settings still say the same (<see cref="Allows"/>): a connector that keeps its name but points elsewhere
/// finds the person not linked.
/// </summary>
internal sealed record LinkBinding(string AuthorizationServer, string? ClientId, string Upstream, string? Resource)
{
    /// <summary>
    /// The connector's settings now, as a binding: the client id only when the bundle names it (a pre-registered client);
    /// null otherwise (a metadata document's or a registration's id is checked against the resolved client before a refresh).
    /// </summary>
    public static LinkBinding Expected(CatalogEntry connector, PersonRequirement needs) =>
        new(needs.AuthorizationServerText ?? string.Empty, needs.Client?.Id, UpstreamOf(connector), needs.Resource?.AbsoluteUri);

    /// <summary>The binding of a link made now for <paramref name="connector"/> as the client <paramref name="clientId"/>.</summary>
    public static LinkBinding Made(CatalogEntry connector, PersonRequirement needs, string clientId) => Expected(connector, needs) with { ClientId = clientId };

    /// <summary>The origins the connector's calls are sent to: its upstream's and its destinations', distinct and sorted.</summary>
    public static string UpstreamOf(CatalogEntry connector) =>
        string.Join(' ', connector.Destinations.Prepend(connector.Upstream).OfType<Uri>()
            .Select(static uri => uri.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>
    /// True when a link bound to this may be used under <paramref name="now"/> (the connector's settings now): the same
    /// authorization server, upstream origins and resource, and the same client unless <paramref name="now"/> does not know it.
    /// </summary>
    public bool Allows(LinkBinding now) =>
        string.Equals(AuthorizationServer, now.AuthorizationServer, StringComparison.Ordinal)
        && string.Equals(Upstream, now.Upstream, StringComparison.Ordinal)
        && string.Equals(Resource, now.Resource, StringComparison.Ordinal)
        && (now.ClientId is null || string.Equals(ClientId, now.ClientId, StringComparison.Ordinal));
}
