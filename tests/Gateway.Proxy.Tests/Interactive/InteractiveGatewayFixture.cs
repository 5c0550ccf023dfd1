namespace Gateway.Proxy.Tests.Interactive;

/// <summary>One <see cref="InteractiveGateway"/> shared by a test class (each test uses its own person or client state).</summary>
public sealed class InteractiveGatewayFixture : IAsyncLifetime
{
    public InteractiveGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await InteractiveGateway.StartAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}
