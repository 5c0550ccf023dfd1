using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// What the Authenticate stage needs without a policy bundle: the demo agent of <see cref="DemoBundle"/> with a test's
/// secret, an in-memory store (a delegated child's id is looked up there: none is issued, so every such id is unknown).
/// </summary>
internal static class AuthenticationTestServices
{
    public static IServiceCollection AddOneAgentAuthentication(this IServiceCollection services, string secret)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddOptions<GatewayOptions>();
        services.AddSingleton<IAgentDirectory>(new OneAgentDirectory(new AgentSecret(secret)));
        services.AddSingleton<Gateway.Store.IStateStore>(new Gateway.Store.InMemoryStateStore(TimeProvider.System));
        services.AddSingleton(Gateway.Connectors.Vault.EncryptionKeyRing.FromEnvironment(static name =>
            name == Gateway.Connectors.Vault.DataEncryptionKey.EnvironmentVariable ? Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) : null));
        services.AddSingleton<Gateway.Oversight.Delegations.DelegationStore>();
        services.AddSingleton<DelegateDirectory>();
        return services.AddAgentAuthentication();
    }

    /// <summary>The demo agent, with the test's secret.</summary>
    private sealed class OneAgentDirectory(AgentSecret secret) : IAgentDirectory
    {
        public AgentLookup Find(string tenant, string workspace, string agent) =>
            tenant == DemoBundle.Tenant && workspace == DemoBundle.Workspace && agent == DemoBundle.Agent
                ? AgentLookup.Found(secret)
                : AgentLookup.Unknown(AgentLookupStatus.UnknownAgent);

        public Gateway.Policy.DelegationSettings? DelegationOf(string tenant) => tenant == DemoBundle.Tenant ? Gateway.Policy.DelegationSettings.Default : null;
    }
}
