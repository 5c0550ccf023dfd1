namespace Gateway.Proxy.Console;

/// <summary>Registers the console: its options (validated at start), sessions and sign-in, and the notifications of new approvals that link to it.</summary>
internal static class ConsoleServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations()
            .Validate(static o => o.Tenants.Values.All(t => t.Roles.Keys.All(r => ConsoleRoles.All.Contains(r, StringComparer.Ordinal))),
                "Gateway:Console:Tenants:<tenant>:Roles names a role other than approver, auditor, operator, admin")
            .Validate(static o => o.PublicOrigin is null || (Uri.TryCreate(o.PublicOrigin, UriKind.Absolute, out var u) && u.Scheme is "https" or "http" && u.AbsolutePath == "/"),
                "Gateway:Console:PublicOrigin must be an absolute http(s) origin")
            .ValidateOnStart();
        services.AddSingleton<ConsoleRoleMap>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleLinkFlow>();
        services.AddSingleton<ConsoleBackChannelLogout>();
        services.AddSingleton<ConsoleSignIn>();
        services.AddSingleton<Gateway.Authorization.Interactive.IInteractiveHost, ConsoleInteractiveHost>();
        services.AddSingleton<Gateway.Oversight.Approvals.ApprovalLookback>();
        services.AddSingleton<Gateway.Oversight.Notifications.IToolInputSchemas, PolicyToolInputSchemas>();
        // After the oversight services: it wraps the approval store they registered.
        Gateway.Oversight.Notifications.NotificationServiceCollectionExtensions.AddApprovalNotifications(services, configuration);
        return services;
    }

    /// <summary>The hardening headers on every <c>/console</c> answer.</summary>
    public static IApplicationBuilder UseGatewayConsoleHeaders(this IApplicationBuilder app) =>
        app.UseWhen(static c => c.Request.Path.StartsWithSegments(ConsoleEndpoints.Prefix, StringComparison.OrdinalIgnoreCase), static b => b.UseMiddleware<ConsoleSecurityHeaders>());
}
