namespace Gateway.Proxy.Routing;

/// <summary>
/// The first endpoint of an <see cref="EndpointDataSource"/> that <paramref name="matches"/>, found again only when the
/// data source's endpoints change (YARP rebuilds its endpoints on a configuration change).
/// </summary>
internal sealed class CachedEndpoint(EndpointDataSource endpoints, Func<Endpoint, bool> matches)
{
    private (IReadOnlyList<Endpoint> From, Endpoint? Found) _cached = ([], null);

    /// <summary>The endpoint, or null when none matches.</summary>
    public Endpoint? Find()
    {
        var current = endpoints.Endpoints;
        var cached = _cached;
        if (ReferenceEquals(cached.From, current))
        {
            return cached.Found;
        }

        var found = current.FirstOrDefault(matches);
        _cached = (current, found);
        return found;
    }
}
