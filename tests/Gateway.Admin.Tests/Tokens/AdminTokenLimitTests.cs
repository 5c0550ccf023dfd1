using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>The live tokens one tenant may hold (<c>Gateway:Admin:MaxLiveTokensPerTenant</c>), run against every admin token store.</summary>
public abstract class AdminTokenLimitTests
{
    private const int Limit = 3;

    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _other = TestServices.NewTenant();

    protected ManualTimeProvider Time { get; } = new();

    protected IStateStore Store { get; } = new InMemoryStateStore();

    protected abstract IAdminTokenStore TokenStore { get; }

    private AdminTokenService Tokens =>
        AdminTestServices.Tokens(TokenStore, Store, Time, new TestRegister().Add(_tenant, approvers: ["alice"]).Add(_other, approvers: ["alice"]), Limit);

    [Fact]
    public async Task IssueAsync_TenantAtItsLiveTokenLimit_IsRefusedUntilOneIsRevoked()
    {
        var tenantAdmin = new AdminPrincipal("limit-admin", [AdminRoles.Admin]) { Tenant = _tenant };
        var names = Enumerable.Range(0, Limit).Select(_ => NewName()).ToArray();
        foreach (var name in names)
        {
            Assert.NotNull((await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Auditor]) { Tenant = _tenant }, tenantAdmin)).Issued);
        }

        var byTenantAdmin = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, tenantAdmin);
        var byOperator = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, AdminTestServices.Operator);
        var otherTenant = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _other }, AdminTestServices.Operator);
        var operatorToken = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]), AdminTestServices.Operator);

        Assert.Equal(AdminTokenIssueOutcome.LimitReached, byTenantAdmin.Code);
        Assert.Null(byTenantAdmin.Issued);
        Assert.Equal(AdminTokenIssueOutcome.LimitReached, byOperator.Code);
        Assert.NotNull(otherTenant.Issued);
        Assert.NotNull(operatorToken.Issued);
        Assert.Equal(names.Order(StringComparer.Ordinal), (await Tokens.ListAsync(tenantAdmin)).Select(t => t.Name));

        // A revoked token no longer counts.
        Assert.True(await Tokens.RevokeAsync(names[0], null, tenantAdmin));
        Assert.NotNull((await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, tenantAdmin)).Issued);
        Assert.Equal(AdminTokenIssueOutcome.LimitReached, (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, tenantAdmin)).Code);
    }

    private static string NewName() => "lim-" + Guid.NewGuid().ToString("N")[..8];
}

public sealed class AdminTokenLimitInMemoryTests : AdminTokenLimitTests
{
    protected override IAdminTokenStore TokenStore => new StateStoreAdminTokenStore(Store);
}

public sealed class AdminTokenLimitRedisTests(RedisFixture redis) : AdminTokenLimitTests, IClassFixture<RedisFixture>
{
    private readonly IStateStore _redis = redis.Connect();

    protected override IAdminTokenStore TokenStore => new StateStoreAdminTokenStore(_redis);
}

public sealed class AdminTokenLimitPostgresTests(PostgresFixture postgres) : AdminTokenLimitTests, IClassFixture<PostgresFixture>
{
    protected override IAdminTokenStore TokenStore => new PostgresAdminTokenStore(postgres.Database);
}
