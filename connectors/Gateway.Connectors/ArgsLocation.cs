namespace Gateway.Connectors;

/// <summary>Where an HTTP connector puts the arguments its path template did not consume.</summary>
public enum ArgsLocation
{
    /// <summary>A JSON object body.</summary>
    Body,

    /// <summary>Query string parameters.</summary>
    Query,
}
