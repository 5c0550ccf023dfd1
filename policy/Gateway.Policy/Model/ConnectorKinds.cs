namespace Gateway.Policy;

/// <summary>What a <see cref="ConnectorKind"/> is, said once for the bundle's checks and the connectors' types alike.</summary>
public static class ConnectorKinds
{
    /// <summary>A model provider's kind (<c>openai</c>, <c>anthropic</c>): priced, routed on degrade, budgeted in tokens.</summary>
    public static bool IsModel(this ConnectorKind kind) => kind is ConnectorKind.OpenAI or ConnectorKind.Anthropic;
}
