using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// POSTs <c>{"text": "…"}</c> to the tenant's chat webhook: the format Slack's, Mattermost's and Rocket.Chat's incoming
/// webhooks and Google Chat take, the deep link in the text (chat tools make it a link). No signature, token or argument
/// beyond the key ones; the webhook URL itself is the credential and is never logged.
/// </summary>
public sealed class WebhookApprovalChannel(IHttpClientFactory httpClients) : IApprovalNotificationChannel
{
    public const string HttpClientName = "Gateway.Oversight.Notifications";

    public string Name => "webhook";

    public bool Applies(ApprovalNotificationChannels channels, ApprovalNotification notification) => channels.WebhookUrl is not null;

    public async Task<string?> SendAsync(ApprovalNotification notification, ApprovalNotificationChannels channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(channels);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["text"] = notification.Text });
        using var request = new HttpRequestMessage(HttpMethod.Post, channels.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return "unreachable";
        }
    }
}
