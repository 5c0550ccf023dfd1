namespace Gateway.Connectors.Envelopes;

/// <summary>The degraded form forbids this call (e.g. a write verb under read_only); nothing was sent (host: 403).</summary>
public sealed class DegradeRefusedException : Exception
{
    /// <summary>The problem code for read-only refusals.</summary>
    public const string ReadOnlyCode = "degraded_read_only";

    public DegradeRefusedException()
    {
    }

    public DegradeRefusedException(string message)
        : base(message)
    {
    }

    public DegradeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The stable problem code.</summary>
    public string Code { get; init; } = ReadOnlyCode;
}
