namespace Gateway.Policy;

/// <summary>
/// A client an <see cref="InteractiveAccess"/> block allows: its <c>client_id</c> and its exact redirect URIs; or, for a
/// client identified by a client ID metadata document (its <c>client_id</c> an https URL and no redirect URIs listed),
/// the URIs the document at that URL names, fetched when the client asks (<see cref="IsMetadataDocument"/>).
/// </summary>
public sealed record InteractiveClient(string ClientId, IReadOnlyList<string> RedirectUris)
{
    /// <summary>True for a client that registered itself (RFC 7591): its redirect URIs are in the gateway's store, not the bundle.</summary>
    public bool Registered { get; init; }

    /// <summary>True when the client's redirect URIs come from the metadata document at its <c>client_id</c>.</summary>
    public bool IsMetadataDocument => RedirectUris.Count == 0 && !Registered;
}
