namespace Gateway.Connectors.Vault;

/// <summary>The tenant has no active credential of that name (the admin API answers 404).</summary>
public sealed class CredentialNotFoundException : Exception
{
    public CredentialNotFoundException()
    {
    }

    public CredentialNotFoundException(string message)
        : base(message)
    {
    }

    public CredentialNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
