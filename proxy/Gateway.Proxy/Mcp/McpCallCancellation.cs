namespace Gateway.Proxy.Mcp;

/// <summary>
/// Why the gateway ended a governed call on <c>/mcp</c> before its MCP server answered, as the server is told in the
/// <c>notifications/cancelled</c> the gateway sends it (<c>7-Forward/McpCancelledNotifier.cs</c>): set once, by whatever
/// ended the call first (<see cref="McpSessions.Cancel"/>, a kill switch, a revoked delegation); unset when the call ran out
/// of time or its answer could not be passed on. Added to the request with the call's lifetime (<see cref="McpCallLifetime"/>)
/// and carried on the request sent to the server.
/// </summary>
internal sealed class McpCallCancellation
{
    /// <summary>The client's <c>notifications/cancelled</c>.</summary>
    public const string ByClient = "The client cancelled the call.";

    /// <summary>A kill switch of the agent or its tenant thrown.</summary>
    public const string ByKillSwitch = "A kill switch stopped the agent.";

    /// <summary>A delegation the call acts under revoked.</summary>
    public const string ByRevocation = "A delegation the agent acts under was revoked.";

    /// <summary>Anything else: the call outlived its time, or its answer could not be passed on.</summary>
    public const string ByGateway = "The gateway stopped waiting for the answer.";

    /// <summary>The request option that carries it to the server's request.</summary>
    public static readonly HttpRequestOptionsKey<McpCallCancellation> OptionKey = new("Gamut.McpCallCancellation");

    private string? _reason;

    /// <summary>Why the call was ended; <see cref="ByGateway"/> when nothing said.</summary>
    public string Reason => Volatile.Read(ref _reason) ?? ByGateway;

    /// <summary>Says why the call is being ended, unless something ended it first.</summary>
    public void Because(string reason) => Interlocked.CompareExchange(ref _reason, reason, null);
}
