namespace Gateway.Policy;

/// <summary>How an http/webhook connector maps a tool call onto a request.</summary>
public sealed record HttpBinding
{
    /// <summary>HTTP method, upper case.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>Path template appended to the upstream, with <c>{arg}</c> placeholders.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>Where the remaining arguments go.</summary>
    public ArgumentLocation Args { get; init; } = ArgumentLocation.Body;
}
