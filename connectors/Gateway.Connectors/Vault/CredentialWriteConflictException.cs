namespace Gateway.Connectors.Vault;

/// <summary>
/// Another write to the credential landed between each of a write's reads and its compare-and-set, every attempt, and
/// this one gave up; nothing of it was stored (the admin API answers 409 <c>credential_write_conflict</c>). The message
/// names the tenant and the credential, never a value.
/// </summary>
public sealed class CredentialWriteConflictException : Exception
{
    public CredentialWriteConflictException()
    {
    }

    public CredentialWriteConflictException(string message)
        : base(message)
    {
    }

    public CredentialWriteConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
