using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>The <see cref="ConnectorType"/> of each <see cref="ConnectorKind"/>: one per kind, looked up by the kind.</summary>
public static class ConnectorTypes
{
    private static readonly ConnectorType[] ByKind = IndexByKind(
    [
        new OpenAIConnectorType(),
        new AnthropicConnectorType(),
        new HttpConnectorType(),
        new WebhookConnectorType(),
        new McpConnectorType(),
        new McpToolConnectorType(),
        new ContextConnectorType(),
        new A2aConnectorType(),
        new A2aSkillConnectorType(),
    ]);

    /// <summary>Every kind's type, in the order of <see cref="ConnectorKind"/>.</summary>
    public static IReadOnlyList<ConnectorType> All { get; } = Array.AsReadOnly(ByKind);

    /// <summary>The type of <paramref name="kind"/>.</summary>
    public static ConnectorType Of(ConnectorKind kind) =>
        (uint)kind < (uint)ByKind.Length ? ByKind[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a connector kind.");

    /// <summary>The type of <paramref name="entry"/>'s kind.</summary>
    public static ConnectorType Type(this CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Of(entry.Kind);
    }

    private static ConnectorType[] IndexByKind(ConnectorType[] types)
    {
        var kinds = Enum.GetValues<ConnectorKind>();
        var byKind = new ConnectorType[kinds.Length];
        foreach (var type in types)
        {
            if ((uint)type.Kind >= (uint)byKind.Length || byKind[(int)type.Kind] is not null)
            {
                throw new InvalidOperationException($"Connector kind {type.Kind} has more than one type, or is not a kind.");
            }

            byKind[(int)type.Kind] = type;
        }

        return byKind.Any(static type => type is null)
            ? throw new InvalidOperationException("Every connector kind needs a type.")
            : byKind;
    }
}
