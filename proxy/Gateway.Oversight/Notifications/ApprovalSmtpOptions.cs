namespace Gateway.Oversight.Notifications;

/// <summary>The operator's SMTP relay (<c>Gateway:Notifications:Smtp</c>): unauthenticated submission on a trusted network, STARTTLS when <see cref="StartTls"/>.</summary>
public sealed record ApprovalSmtpOptions
{
    public string Host { get; init; } = string.Empty;

    public int Port { get; init; } = 25;

    /// <summary>The sender address, e.g. <c>gateway@example.com</c>.</summary>
    public string From { get; init; } = string.Empty;

    /// <summary>Upgrade the connection with STARTTLS before sending (the relay must offer it).</summary>
    public bool StartTls { get; init; }
}
