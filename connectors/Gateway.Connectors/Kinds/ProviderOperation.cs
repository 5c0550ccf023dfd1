using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// What a provider-native request really does: the catalog entry policy decides on, whether it
/// changes anything upstream, and the values its path template captured.
/// </summary>
public sealed record ProviderOperation(CatalogEntry Entry, bool Writes, IReadOnlyList<KeyValuePair<string, string>> PathArgs);
