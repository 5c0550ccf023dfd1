namespace Gateway.Policy;

/// <summary>
/// A client an <see cref="InteractiveAccess"/> block allows: its <c>client_id</c> and its exact redirect URIs; or, for a
/// client identified by a client ID metadata document (its <c>client_id</c> an https URL and no redirect URIs listed),
/// the URIs the document at that URL names, fetched when the client asks (<see cref="IsMetadataDocument"/>).
/// </summary>
public sealed record InteractiveClient(string ClientId, IReadOnlyList<string> RedirectUris)
{
    /// <summary>True when the client's redirect URIs come from the metadata document at its <c>client_id</c>.</summary>
    public bool IsMetadataDocument => RedirectUris.Count == 0;
}
