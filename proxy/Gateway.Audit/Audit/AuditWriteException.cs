namespace Gateway.Audit;

/// <summary>The journal could not record an entry; the host must fail the request closed (503).</summary>
public sealed class AuditWriteException : Exception
{
    public AuditWriteException()
    {
    }

    public AuditWriteException(string message)
        : base(message)
    {
    }

    public AuditWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
