namespace Gateway.Oversight.Hosting;

/// <summary>
/// The primary handler of the gateway's webhook clients (approval notifications, incidents): a receiver's redirect is not
/// followed and no cookie kept, so the post (and its signature) goes to the URL the operator configured only.
/// </summary>
internal static class WebhookHttpHandler
{
    /// <summary>A new handler for one client.</summary>
    public static SocketsHttpHandler Create() => new() { AllowAutoRedirect = false, UseCookies = false };
}
