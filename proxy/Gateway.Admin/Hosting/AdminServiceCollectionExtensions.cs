using Gateway.Admin.Options;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Register;
using Gateway.Store;
using Gateway.Store.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>Registers the admin API's services.</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Adds admin tokens (<see cref="AdminTokenService"/>), the failed-authentication throttle, and what the approval
    /// service asks of each vote it counts (<see cref="IPersonSuspensions"/>, <see cref="IVotingCredentials"/>), with
    /// <see cref="AdminOptions"/> bound from <c>Gateway:Admin</c> and validated at start-up, all errors at once. Admin
    /// tokens live in the host's <see cref="IStateStore"/>, or in PostgreSQL when the host registered a
    /// <see cref="PostgresDatabase"/>, unless it registered an <see cref="IAdminTokenStore"/> of its own. Call after
    /// <c>AddGatewayOversight</c>, whose services (the register, approvals, runs, incidents, the audit log) the
    /// endpoints that <see cref="AdminEndpointRouteBuilderExtensions.MapGatewayAdmin"/> maps act on.
    /// </summary>
    public static IServiceCollection AddGatewayAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAdminTokenStore>(static sp => sp.GetService<PostgresDatabase>() is { } database
            ? new PostgresAdminTokenStore(database)
            : new StateStoreAdminTokenStore(sp.GetRequiredService<IStateStore>()));
        services.TryAddSingleton<AdminAuthThrottle>();
        services.TryAddSingleton<AdminTokenService>();
        // Whose approval votes still count, asked by the approval service at every count: no person suspended as a console
        // user, no vote cast with an admin token revoked since.
        services.TryAddSingleton<IPersonSuspensions>(static sp => new ConsoleSuspendedPersons(sp.GetRequiredService<IStateStore>()));
        services.TryAddSingleton<IVotingCredentials, AdminTokenVotingCredentials>();
        return services;
    }
}
