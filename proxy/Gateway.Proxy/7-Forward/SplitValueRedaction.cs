namespace Gateway.Proxy.Forward;

/// <summary>How <see cref="ProviderBodyTransform"/> redacts a value split across the events of a stream (the route's connector decides).</summary>
internal enum SplitValueRedaction
{
    /// <summary>Held back until complete and redacted as one (a model's token stream).</summary>
    HoldBack,

    /// <summary>Each event redacted alone and passed at once: an MCP server's events are whole JSON-RPC messages, and its requests to the client must reach it without delay.</summary>
    PerEvent,
}
