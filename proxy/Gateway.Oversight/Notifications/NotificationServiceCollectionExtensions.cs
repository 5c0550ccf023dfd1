using Gateway.Oversight.Approvals;
using Gateway.Oversight.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// Registers the notifications of new approvals: the options (validated at start: a channel needs a public origin for its
/// link, its own, else the console's, else the gateway's <c>Gateway:AccessTokens:PublicBaseUrl</c>; an e-mail address
/// needs the SMTP relay), the outbox, the channels, the deliverer, and the <see cref="NotifyingApprovalStore"/> around the
/// approval store already registered (call after the oversight services).
/// </summary>
public static class NotificationServiceCollectionExtensions
{
    public static IServiceCollection AddApprovalNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ApprovalNotificationOptions>().Bind(configuration.GetSection(ApprovalNotificationOptions.Section))
            .PostConfigure(o =>
            {
                // The console's origin, else the gateway's (as the console falls back to), unless the notifications name their own.
                o.PublicOrigin ??= Absolute(configuration.GetSection(PublicOrigins.ConsoleSection).Get<PublicOrigins>()?.PublicOrigin)
                    ?? Absolute(configuration.GetSection(PublicOrigins.AccessTokensSection).Get<PublicOrigins>()?.PublicBaseUrl);
            })
            .Validate(static o => !o.AnyChannel || o.PublicOrigin is { IsAbsoluteUri: true, Scheme: "https" or "http" },
                "Gateway:Notifications needs PublicOrigin (or Gateway:Console:PublicOrigin, or Gateway:AccessTokens:PublicBaseUrl) for the approval's link")
            .Validate(static o => o.Tenants.Values.All(t => t.WebhookUrl is null || t.WebhookUrl is { IsAbsoluteUri: true, Scheme: "https" } or { IsAbsoluteUri: true, Scheme: "http", IsLoopback: true }),
                "Gateway:Notifications:Tenants:<tenant>:WebhookUrl must be an absolute https URL (http only to loopback): the URL is the chat tool's credential")
            .Validate(static o => o.Tenants.Values.All(t => t.Email.Count == 0) || o.Smtp is { Host.Length: > 0, From.Length: > 0, Port: > 0 and < 65536 },
                "Gateway:Notifications:Smtp (Host, Port, From) is required when a tenant names e-mail addresses")
            .Validate(static o => o.MaxAttempts is >= 1 and <= 100 && o.InitialBackoff > TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff
                    && o.AttemptTimeout > TimeSpan.Zero && o.OutboxCapacity >= 1 && o.OutboxCapacityPerTenant >= 1 && o.OutboxCapacityPerTenant <= o.OutboxCapacity,
                "Gateway:Notifications: MaxAttempts 1..100, InitialBackoff > 0, MaxBackoff >= InitialBackoff, AttemptTimeout > 0, OutboxCapacity >= 1, OutboxCapacityPerTenant 1..OutboxCapacity")
            .ValidateOnStart();
        // The webhook's URL is the chat tool's credential: the client's default handlers would log it with every request.
        services.AddHttpClient(WebhookApprovalChannel.HttpClientName).ConfigurePrimaryHttpMessageHandler(WebhookHttpHandler.Create).RemoveAllLoggers();
        services.AddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<ApprovalNotificationOptions>>().Value;
            return new ApprovalNotificationOutbox(options.OutboxCapacity, options.OutboxCapacityPerTenant);
        });
        services.AddSingleton<IApprovalNotificationChannel, WebhookApprovalChannel>();
        services.AddSingleton<IApprovalNotificationChannel, EmailApprovalChannel>();
        services.AddSingleton<ApprovalNotifier>();
        services.AddHostedService(static sp => sp.GetRequiredService<ApprovalNotifier>());

        var registered = services.LastOrDefault(static d => d.ServiceType == typeof(IApprovalStore))
            ?? throw new InvalidOperationException("Register the oversight services (the approval store) before the approval notifications.");
        services.Remove(registered);
        services.AddSingleton<IApprovalStore>(sp => new NotifyingApprovalStore(Inner(sp, registered), sp.GetRequiredService<ApprovalNotifier>()));
        return services;
    }

    /// <summary>The console's <c>PublicOrigin</c> and the gateway's <c>PublicBaseUrl</c> (validated with their own options, where they are registered).</summary>
    private sealed class PublicOrigins
    {
        public const string ConsoleSection = "Gateway:Console";

        public const string AccessTokensSection = "Gateway:AccessTokens";

        public string? PublicOrigin { get; set; }

        public string? PublicBaseUrl { get; set; }
    }

    /// <summary>The setting as an absolute URI; null when unset or not one.</summary>
    private static Uri? Absolute(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var origin) ? origin : null;

    private static IApprovalStore Inner(IServiceProvider services, ServiceDescriptor registered) =>
        (IApprovalStore)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));
}
