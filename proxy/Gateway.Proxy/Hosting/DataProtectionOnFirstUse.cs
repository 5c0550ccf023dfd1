namespace Gateway.Proxy.Hosting;

/// <summary>
/// Leaves the Data Protection key ring, which YARP registers for session-affinity cookies (no route of the gateway's sets
/// affinity), to load on its first use instead of at start: its hosted service reads the key ring's XML eagerly, which
/// keeps the XML stack resident in every replica (docs/performance.md, "Memory").
/// </summary>
internal static class DataProtectionOnFirstUse
{
    /// <summary>The hosted service ASP.NET Core's <c>AddDataProtection</c> registers to load the key ring at start.</summary>
    private const string KeyRingLoaderTypeName = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>Removes the key ring's start-up load; call after every registration that adds Data Protection.</summary>
    public static IServiceCollection LoadDataProtectionKeyRingOnFirstUse(this IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService)
                && !services[i].IsKeyedService
                && services[i].ImplementationType?.FullName == KeyRingLoaderTypeName)
            {
                services.RemoveAt(i);
            }
        }
        return services;
    }
}
