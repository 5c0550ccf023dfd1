namespace Gateway.Policy;

/// <summary>A client an <see cref="InteractiveAccess"/> block allows: its <c>client_id</c> and its exact redirect URIs.</summary>
public sealed record InteractiveClient(string ClientId, IReadOnlyList<string> RedirectUris);
