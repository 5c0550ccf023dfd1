namespace Gateway.Authorization.Interactive;

/// <summary>
/// A person's index already holds <see cref="InteractiveGrants.MaxIndexed"/> live consents, or a consent that many live
/// token families: the new one is refused (OAuth <c>temporarily_unavailable</c>), never a live one forgotten.
/// </summary>
public sealed class InteractiveIndexFullException : Exception
{
    public InteractiveIndexFullException()
        : this("The person's index of live consents or token families is full.")
    {
    }

    public InteractiveIndexFullException(string message)
        : base(message)
    {
    }

    public InteractiveIndexFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
