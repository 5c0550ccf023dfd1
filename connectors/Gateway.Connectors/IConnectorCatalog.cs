namespace Gateway.Connectors;

/// <summary>The host's view of its catalog: looks a connector up by name (the host maps its policy catalog).</summary>
public interface IConnectorCatalog
{
    /// <summary>The connector, or null when the catalog has none of that name.</summary>
    ConnectorDefinition? Find(string name);
}
