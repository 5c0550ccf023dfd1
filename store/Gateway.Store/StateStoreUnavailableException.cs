namespace Gateway.Store;

/// <summary>The store could not serve a call (unreachable, timed out, refused). Callers fail closed.</summary>
public sealed class StateStoreUnavailableException : Exception
{
    public StateStoreUnavailableException()
    {
    }

    public StateStoreUnavailableException(string message)
        : base(message)
    {
    }

    public StateStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
