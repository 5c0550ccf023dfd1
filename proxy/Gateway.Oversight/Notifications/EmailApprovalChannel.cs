using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// Mails the approvers the request names (those the tenant gives an address) through the operator's SMTP relay
/// (<see cref="ApprovalSmtpOptions"/>): one plain-text message, the subject in words, the deep link in the body.
/// </summary>
public sealed class EmailApprovalChannel(IOptions<ApprovalNotificationOptions> options) : IApprovalNotificationChannel
{
    public string Name => "email";

    public bool Applies(ApprovalNotificationChannels channels, ApprovalNotification notification) => Recipients(channels, notification).Any();

    public async Task<string?> SendAsync(ApprovalNotification notification, ApprovalNotificationChannels channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(channels);
        if (options.Value.Smtp is not { Host.Length: > 0 } smtp)
        {
            return "smtp_not_configured";
        }

        // The link on a line of its own; plain 7-bit when the text is ASCII (the link is never cut by quoted-printable soft breaks).
        var body = notification.Text + "\r\n\r\n" + notification.Link.AbsoluteUri + "\r\n";
        using var message = new MailMessage { From = new MailAddress(smtp.From), Subject = notification.Subject, Body = body, IsBodyHtml = false };
        if (body.All(char.IsAscii))
        {
            message.BodyTransferEncoding = System.Net.Mime.TransferEncoding.SevenBit;
        }
        else
        {
            message.BodyEncoding = System.Text.Encoding.UTF8;
        }

        foreach (var address in Recipients(channels, notification))
        {
            message.To.Add(address);
        }

        using var client = new SmtpClient(smtp.Host, smtp.Port) { EnableSsl = smtp.StartTls, DeliveryMethod = SmtpDeliveryMethod.Network, UseDefaultCredentials = false };
        try
        {
            await client.SendMailAsync(message, cancellationToken);
            return null;
        }
        catch (SmtpException ex)
        {
            return "smtp_" + ex.StatusCode.ToString().ToLowerInvariant();
        }
    }

    private static IEnumerable<string> Recipients(ApprovalNotificationChannels channels, ApprovalNotification notification) =>
        notification.Approvers.Select(a => channels.Email.GetValueOrDefault(a)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);
}
