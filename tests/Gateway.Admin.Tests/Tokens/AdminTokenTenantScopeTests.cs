using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>
/// A tenant's tokens are read by tenant on the key-value stores (embedded, Redis): issuing, listing and revoking in one
/// tenant read no other tenant's tokens, and the tokens the previous layout wrote (one set of every name) are still found.
/// </summary>
public abstract class AdminTokenTenantScopeTests
{
    private static readonly JsonSerializerOptions PreviousLayoutJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _other = TestServices.NewTenant();

    protected ManualTimeProvider Time { get; } = new();

    protected abstract IStateStore Store { get; }

    private AdminTokenService Tokens(int limit = 100) =>
        AdminTestServices.Tokens(new StateStoreAdminTokenStore(Store), Store, Time, new TestRegister().Add(_tenant, approvers: ["alice"]).Add(_other, approvers: ["alice"]), limit);

    [Fact]
    public async Task IssueListAndRevoke_AnotherTenantsTokensUnreadable_ReadOnlyTheCallersTenant()
    {
        var tokens = Tokens();
        var admin = await MintAsync(tokens, new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var child = (await tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, admin)).Issued!;
        var theirs = new List<IssuedAdminToken>();
        for (var i = 0; i < 3; i++)
        {
            theirs.Add((await tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _other }, AdminTestServices.Operator)).Issued!);
        }

        // Another tenant's tokens made unreadable: a read of any of them throws, so a call that passes read none.
        foreach (var token in theirs)
        {
            await Store.SetAsync(StoreKeys.AdminToken(AdminTokenService.HashToken(token.Token)), "unreadable", null);
        }

        var issued = await tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, admin);
        var listed = await tokens.ListAsync(admin);
        var revoked = await tokens.RevokeWithMintedAsync(admin.Name, null, admin, cascade: true);

        Assert.NotNull(issued.Issued);
        Assert.Equal(new[] { admin.Name, child.Name, issued.Issued!.Name }.Order(StringComparer.Ordinal), listed.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(admin.Name, revoked![0].Name);
        Assert.Equal(new[] { child.Name, issued.Issued.Name }.Order(StringComparer.Ordinal), revoked.Skip(1).Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(AdminAuthStatus.Revoked, (await tokens.AuthenticateAsync(child.Token)).Status);
    }

    [Fact]
    public async Task ListCountAndRevoke_TokensThePreviousLayoutWrote_AreFoundCountedAndStayRevoked()
    {
        // As a replica of the previous version wrote them: the record, the name bound to it, the name in one set of all.
        var created = Time.GetUtcNow();
        var admin = await WritePreviousLayoutAsync(_tenant + "/old-admin", new AdminTokenRecord { Name = "old-admin", Roles = [AdminRoles.Admin], CreatedAt = created, Tenant = _tenant, IssuedBy = "bootstrap", MintedBy = "bootstrap" });
        var child = await WritePreviousLayoutAsync(_tenant + "/old-child", new AdminTokenRecord { Name = "old-child", Roles = [AdminRoles.Auditor], CreatedAt = created, Tenant = _tenant, IssuedBy = "old-admin", InheritedMinter = "old-admin", MintedBy = "old-admin" });
        var gone = await WritePreviousLayoutAsync(_tenant + "/old-gone", new AdminTokenRecord { Name = "old-gone", Roles = [AdminRoles.Admin], CreatedAt = created, Tenant = _tenant, Revoked = true, RevokedAt = created });
        var plainName = "plain-" + Guid.NewGuid().ToString("N")[..8];
        var plain = await WritePreviousLayoutAsync(plainName, new AdminTokenRecord { Name = plainName, Roles = [AdminRoles.Auditor], CreatedAt = created, Tenant = _tenant });
        var theirs = await WritePreviousLayoutAsync(_other + "/theirs", new AdminTokenRecord { Name = "theirs", Roles = [AdminRoles.Auditor], CreatedAt = created, Tenant = _other });
        var tokens = Tokens(limit: 4);
        var principal = (await tokens.AuthenticateAsync(admin)).Principal!;

        var listed = await tokens.ListAsync(principal);
        var fourth = await tokens.IssueAsync(new AdminTokenSpec("new-one", [AdminRoles.Auditor]) { Tenant = _tenant }, principal);
        var fifth = await tokens.IssueAsync(new AdminTokenSpec("new-two", [AdminRoles.Auditor]) { Tenant = _tenant }, principal);

        Assert.Equal(["old-admin", "old-child", "old-gone", plainName], listed.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.True(listed.Single(t => t.Name == "old-gone").Revoked);
        Assert.NotNull(fourth.Issued);
        Assert.Equal(AdminTokenIssueOutcome.LimitReached, fifth.Code);
        // A replica of the previous version, still running during the upgrade, lists and cascades what this one writes.
        Assert.Contains(_tenant + "/new-one", await Store.SetMembersAsync(StoreKeys.AdminToken("names")));

        // ...and writes a token after this version first read the tenant: it is found all the same.
        var late = await WritePreviousLayoutAsync(_tenant + "/old-late", new AdminTokenRecord { Name = "old-late", Roles = [AdminRoles.Auditor], CreatedAt = created, Tenant = _tenant, IssuedBy = "old-admin", InheritedMinter = "old-admin", MintedBy = "old-admin" });
        Assert.Contains("old-late", (await tokens.ListAsync(principal)).Select(t => t.Name));
        var revoked = await tokens.RevokeWithMintedAsync("old-admin", null, principal, cascade: true);

        Assert.Equal(["new-one", "old-admin", "old-child", "old-late"], revoked!.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var token in new[] { admin, child, gone, late })
        {
            Assert.Equal(AdminAuthStatus.Revoked, (await tokens.AuthenticateAsync(token)).Status);
        }

        Assert.Equal(AdminAuthStatus.Authenticated, (await tokens.AuthenticateAsync(plain)).Status);
        Assert.Equal(AdminAuthStatus.Authenticated, (await tokens.AuthenticateAsync(theirs)).Status);
        Assert.True(await tokens.RevokeAsync(plainName, null, principal));
        Assert.Equal(["theirs"], (await tokens.ListAsync(new AdminPrincipal("other-admin", [AdminRoles.Admin]) { Tenant = _other })).Select(t => t.Name));
    }

    private async Task<string> WritePreviousLayoutAsync(string boundName, AdminTokenRecord record)
    {
        var token = AdminTokenService.NewToken();
        var hash = AdminTokenService.HashToken(token);
        Assert.True(await Store.TrySetIfAbsentAsync(StoreKeys.AdminToken("name:" + boundName), hash, TimeSpan.FromDays(36500)));
        await Store.SetAsync(StoreKeys.AdminToken(hash), JsonSerializer.Serialize(record, PreviousLayoutJson), null);
        await Store.SetAddAsync(StoreKeys.AdminToken("names"), boundName, null);
        return token;
    }

    private static async Task<AdminPrincipal> MintAsync(AdminTokenService tokens, AdminTokenSpec spec, AdminPrincipal issuer)
    {
        var issued = await tokens.IssueAsync(spec, issuer);
        return (await tokens.AuthenticateAsync(issued.Issued?.Token ?? throw new InvalidOperationException(issued.Code))).Principal!;
    }

    private static string NewName() => "scope-" + Guid.NewGuid().ToString("N")[..8];
}

public sealed class AdminTokenTenantScopeInMemoryTests : AdminTokenTenantScopeTests
{
    public AdminTokenTenantScopeInMemoryTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }
}

public sealed class AdminTokenTenantScopeRedisTests(RedisFixture redis) : AdminTokenTenantScopeTests, IClassFixture<RedisFixture>
{
    protected override IStateStore Store { get; } = redis.Connect();
}
