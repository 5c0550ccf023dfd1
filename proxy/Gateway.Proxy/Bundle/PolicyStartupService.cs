namespace Gateway.Proxy.Bundle;

/// <summary>Loads the policy before the server accepts traffic; an invalid bundle stops start-up.</summary>
internal sealed class PolicyStartupService : IHostedService
{
    private readonly PolicyProvider _provider;

    public PolicyStartupService(PolicyProvider provider) => _provider = provider;

    public Task StartAsync(CancellationToken cancellationToken) => _provider.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
