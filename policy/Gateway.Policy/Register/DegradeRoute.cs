namespace Gateway.Policy;

/// <summary>A safer route for model connectors: a smaller model and/or capped tokens.</summary>
public sealed record DegradeRoute
{
    public string? Model { get; init; }

    public int? MaxTokens { get; init; }
}
