using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.People.Links;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// A data-key rotation finished for the sealed records beyond the vault, on a real redis-server and on the embedded store:
/// a linked account and a delegated child's secret sealed under key A, the ring rotated to B (A retired), re-encrypted,
/// then A removed from the ring: each still opens; a record that does not open is counted and left as it is.
/// </summary>
public sealed class SealedRecordsReencryptTests
{
    private static readonly DataEncryptionKey Old = DataEncryptionKey.Generate("old");
    private static readonly DataEncryptionKey New = DataEncryptionKey.Generate("new");
    private static readonly LinkedAccountKey Link = new("demo", "https://idp.example", "erin", "crm.read_contact");

    [Theory]
    [InlineData("redis")]
    [InlineData("embedded")]
    public async Task Reseal_AfterARotation_EveryKindOpensUnderTheNewKeyAlone(string kind)
    {
        await using var redis = kind == "redis" ? await RedisServer.StartAsync() : null;
        var store = await OpenAsync(redis);
        await using var closing = Closing(store);
        var delegations = new DelegationStore(store, TimeProvider.System);
        await new LinkedAccounts(store, new EncryptionKeyRing(Old), NullLogger<LinkedAccounts>.Instance).StoreAsync(Link, Account("at-erin-3f9a"), CancellationToken.None);
        var (secret, envelope) = DelegationSecrets.Issue(new EncryptionKeyRing(Old), "demo", "child-1");
        await delegations.CreateAsync(Child("child-1", envelope));

        var rotated = new EncryptionKeyRing(New, [Old]);
        var links = new SealedKindTally("linked_accounts", rotated);
        var children = new SealedKindTally("delegation_secrets", rotated);
        await new LinkedAccounts(store, rotated, NullLogger<LinkedAccounts>.Instance).ResealAsync("demo", links, CancellationToken.None);
        await delegations.ResealSecretsAsync("demo", ["agent-1"], children);
        var again = new SealedKindTally("linked_accounts", rotated);
        await new LinkedAccounts(store, rotated, NullLogger<LinkedAccounts>.Instance).ResealAsync("demo", again, CancellationToken.None);

        var newOnly = new EncryptionKeyRing(New);
        var account = await new LinkedAccounts(store, newOnly, NullLogger<LinkedAccounts>.Instance).GetAsync(Link, CancellationToken.None);
        var child = await delegations.FindLiveAsync("demo", "child-1");
        Assert.Equal(new SealedKindReencryption("linked_accounts", 1, 0, 0, 0, []), links.ToResult() with { RetiredKeysInUse = [] });
        Assert.Empty(links.ToResult().RetiredKeysInUse);
        Assert.Equal((1, 0), (children.ToResult().Reencrypted, children.ToResult().Unreadable));
        Assert.Equal((0, 1), (again.ToResult().Reencrypted, again.ToResult().AlreadyCurrent));
        Assert.Equal("at-erin-3f9a", account?.AccessToken);
        Assert.Equal(secret, DelegationSecrets.Open(newOnly, child!));
    }

    [Fact]
    public async Task Reseal_ARecordThatDoesNotOpen_IsCountedAndLeftAsItIs()
    {
        await using var redis = await RedisServer.StartAsync();
        var store = await OpenAsync(redis);
        await using var closing = Closing(store);
        var lost = DataEncryptionKey.Generate("lost");
        await new LinkedAccounts(store, new EncryptionKeyRing(lost), NullLogger<LinkedAccounts>.Instance).StoreAsync(Link, Account("at-erin-lost"), CancellationToken.None);
        var before = await store.GetAsync(Link.StoreKey);

        var tally = new SealedKindTally("linked_accounts", new EncryptionKeyRing(New, [Old]));
        await new LinkedAccounts(store, new EncryptionKeyRing(New, [Old]), NullLogger<LinkedAccounts>.Instance).ResealAsync("demo", tally, CancellationToken.None);

        Assert.Equal(new SealedKindReencryption("linked_accounts", 0, 0, 1, 0, []), tally.ToResult() with { RetiredKeysInUse = [] });
        Assert.Equal(["lost"], tally.ToResult().RetiredKeysInUse);
        Assert.Equal(before, await store.GetAsync(Link.StoreKey));
    }

    private static async Task<IStateStore> OpenAsync(RedisServer? redis)
    {
        if (redis is null)
        {
            return new InMemoryStateStore();
        }

        var store = new RedisStateStore(new RedisStoreOptions { Endpoint = redis.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10) });
        await store.PingAsync();
        return store;
    }

    private static IAsyncDisposable Closing(IStateStore store) =>
        store as IAsyncDisposable ?? new AsyncDisposableAction(() => (store as IDisposable)?.Dispose());

    private sealed class AsyncDisposableAction(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static LinkedAccount Account(string accessToken) => new()
    {
        LinkId = Guid.NewGuid().ToString("N"),
        AccessToken = accessToken,
        ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        UpstreamSubject = "upstream-erin",
        LinkedAt = DateTimeOffset.UtcNow,
    };

    private static DelegationRecord Child(string id, string envelope) => new()
    {
        Id = id,
        Tenant = "demo",
        Workspace = "ws-demo",
        Name = "researcher",
        Parent = "agent-1",
        Chain = [new ActorLink(ActorKind.Agent, "agent-1"), new ActorLink(ActorKind.Delegate, id)],
        Permissions = [],
        AtfLevel = AtfLevel.L1,
        DataClassCeiling = DataClass.Public,
        Depth = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        SecretEnvelope = envelope,
    };
}
