namespace Gateway.Connectors.Credentials;

/// <summary>
/// A connector's credential could not be resolved (missing, revoked, unreadable, undecryptable).
/// The message names the reference kind and name only, never a value. The host answers 502/503.
/// </summary>
public sealed class CredentialUnavailableException : Exception
{
    public CredentialUnavailableException()
    {
    }

    public CredentialUnavailableException(string message)
        : base(message)
    {
    }

    public CredentialUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
