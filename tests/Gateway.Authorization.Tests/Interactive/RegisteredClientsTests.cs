using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A registration lasts <see cref="RegisteredClients.UnusedLifetime"/> until its first renewal (a code its client
/// redeems; an authorization request made for it holds it that long again), then <see cref="RegisteredClients.Lifetime"/>
/// from its last renewal (each code or refresh token), so it outlives every token family it started; past that it is
/// gone, and a renewal brings nothing back.
/// </summary>
public sealed class RegisteredClientsTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RenewAsync_BeforeExpiry_KeepsTheRegistrationAnotherLifetime()
    {
        var clients = new RegisteredClients(new InMemoryStateStore(_clock));
        var clientId = await clients.RegisterAsync(["http://127.0.0.1/cb"], CancellationToken.None);
        Assert.True(await clients.RenewAsync(clientId, CancellationToken.None));

        _clock.Advance(RegisteredClients.Lifetime - TimeSpan.FromDays(1));
        Assert.True(await clients.RenewAsync(clientId, CancellationToken.None));
        _clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(["http://127.0.0.1/cb"], await clients.RedirectUrisAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task RenewAsync_AfterExpiry_IsFalseAndKeepsNothing()
    {
        var clients = new RegisteredClients(new InMemoryStateStore(_clock));
        var clientId = await clients.RegisterAsync(["http://127.0.0.1/cb"], CancellationToken.None);

        _clock.Advance(RegisteredClients.Lifetime + TimeSpan.FromSeconds(1));

        Assert.False(await clients.RenewAsync(clientId, CancellationToken.None));
        Assert.Null(await clients.RedirectUrisAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task HoldAsync_Unused_KeepsItAnotherRequestsTimeOnly()
    {
        var clients = new RegisteredClients(new InMemoryStateStore(_clock));
        var clientId = await clients.RegisterAsync(["http://127.0.0.1/cb"], CancellationToken.None);

        _clock.Advance(RegisteredClients.UnusedLifetime - TimeSpan.FromMinutes(1));
        await clients.HoldAsync(clientId, CancellationToken.None);
        _clock.Advance(RegisteredClients.UnusedLifetime - TimeSpan.FromMinutes(1));
        Assert.NotNull(await clients.RedirectUrisAsync(clientId, CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(await clients.RedirectUrisAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task HoldAsync_AfterItsFirstCode_NeverShortensItsLifetime()
    {
        var clients = new RegisteredClients(new InMemoryStateStore(_clock));
        var clientId = await clients.RegisterAsync(["http://127.0.0.1/cb"], CancellationToken.None);
        Assert.True(await clients.RenewAsync(clientId, CancellationToken.None));

        await clients.HoldAsync(clientId, CancellationToken.None);
        _clock.Advance(RegisteredClients.Lifetime - TimeSpan.FromDays(1));

        Assert.Equal(["http://127.0.0.1/cb"], await clients.RedirectUrisAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task RedirectUris_ValueWrittenByThisRelease_IsABareJsonArray()
    {
        var store = new InMemoryStateStore(_clock);
        var clients = new RegisteredClients(store);
        var clientId = await clients.RegisterAsync(["http://127.0.0.1/cb"], CancellationToken.None);

        var registered = await store.GetAsync(RegisteredClients.Key(clientId));
        await clients.HoldAsync(clientId, CancellationToken.None);
        var held = await store.GetAsync(RegisteredClients.Key(clientId));
        Assert.True(await clients.RenewAsync(clientId, CancellationToken.None));
        var renewed = await store.GetAsync(RegisteredClients.Key(clientId));

        foreach (var stored in new[] { registered, held, renewed })
        {
            Assert.Equal(["http://127.0.0.1/cb"], JsonSerializer.Deserialize<string[]>(stored!)!);
        }
    }

    [Fact]
    public async Task RenewAsync_IdNeverRegistered_IsFalse()
    {
        var clients = new RegisteredClients(new InMemoryStateStore(_clock));

        Assert.False(await clients.RenewAsync("dyn_never-registered", CancellationToken.None));
        Assert.False(await clients.RenewAsync("test-ide", CancellationToken.None));
    }
}
