namespace Gateway.Connectors.Egress;

/// <summary>A fetch refused before connecting: its host is, or resolves to, an address that is not globally reachable (<see cref="InternalAddresses"/>).</summary>
public sealed class InternalAddressException : IOException
{
    public InternalAddressException()
    {
    }

    public InternalAddressException(string message)
        : base(message)
    {
    }

    public InternalAddressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
