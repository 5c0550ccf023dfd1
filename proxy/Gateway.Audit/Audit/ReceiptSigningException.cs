namespace Gateway.Audit;

/// <summary>
/// A decision's record is durable but its receipt could not be signed: the host refuses the request (503), as when the
/// record cannot be written. Not an <see cref="AuditWriteException"/>: the record needs no second write.
/// </summary>
public sealed class ReceiptSigningException : Exception
{
    public ReceiptSigningException()
    {
    }

    public ReceiptSigningException(string message)
        : base(message)
    {
    }

    public ReceiptSigningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
