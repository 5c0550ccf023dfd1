using Gateway.Oversight.Admin;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Oversight.Tests;

/// <summary>Admin token contract, run against every store.</summary>
public abstract class AdminTokenServiceTests
{
    protected ManualTimeProvider Time { get; } = new();

    protected abstract IStateStore Store { get; }

    private AdminTokenService Tokens => TestServices.Tokens(Store, Time);

    private static string NewName() => "person-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task IssueAsync_NewName_AuthenticatesWithRolesAndStoresOnlyTheHash()
    {
        var name = NewName();
        var issued = (await Tokens.IssueAsync(name, [AdminRoles.Approver, AdminRoles.Auditor])).Issued!;

        var result = await Tokens.AuthenticateAsync(issued.Token);

        Assert.StartsWith(AdminTokenService.TokenPrefix, issued.Token, StringComparison.Ordinal);
        Assert.Equal(AdminAuthStatus.Authenticated, result.Status);
        Assert.Equal(name, result.Principal!.Name);
        Assert.Equal([AdminRoles.Approver, AdminRoles.Auditor], result.Principal.Roles);
        var stored = await Store.GetAsync(StoreKeys.AdminToken(AdminTokenService.HashToken(issued.Token)));
        Assert.NotNull(stored);
        Assert.DoesNotContain(issued.Token, stored, StringComparison.Ordinal);
        Assert.Null(await Store.GetAsync(StoreKeys.AdminToken(issued.Token)));
    }

    [Fact]
    public async Task RevokeAsync_IssuedToken_IsRefusedAfterwards()
    {
        var name = NewName();
        var token = (await Tokens.IssueAsync(name, [AdminRoles.Admin])).Issued!.Token;

        Assert.True(await Tokens.RevokeAsync(name));

        Assert.Equal(AdminAuthStatus.Revoked, (await TestServices.Tokens(Store, Time).AuthenticateAsync(token)).Status);
    }

    [Fact]
    public async Task IssueAsync_LiveNameTaken_IsRefusedUntilRevoked()
    {
        var name = NewName();
        await Tokens.IssueAsync(name, [AdminRoles.Admin]);

        var taken = await Tokens.IssueAsync(name, [AdminRoles.Admin]);
        await Tokens.RevokeAsync(name);
        var reissued = await Tokens.IssueAsync(name, [AdminRoles.Auditor]);

        Assert.Equal(AdminTokenIssueOutcome.NameTaken, taken.Code);
        Assert.NotNull(reissued.Issued);
    }

    [Fact]
    public async Task IssueAsync_UnknownRoleOrReservedName_IsRefused()
    {
        Assert.Equal(AdminTokenIssueOutcome.InvalidRoles, (await Tokens.IssueAsync(NewName(), ["root"])).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidRoles, (await Tokens.IssueAsync(NewName(), [])).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidName, (await Tokens.IssueAsync(AdminTokenService.BootstrapName, [AdminRoles.Admin])).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidName, (await Tokens.IssueAsync("has space", [AdminRoles.Admin])).Code);
    }

    [Fact]
    public async Task AuthenticateAsync_BootstrapToken_IsAdminUntilRevoked()
    {
        var before = await Tokens.AuthenticateAsync(TestKeys.BootstrapToken);
        Assert.Equal(AdminAuthStatus.Authenticated, before.Status);
        Assert.Equal(AdminTokenService.BootstrapName, before.Principal!.Name);
        Assert.Equal([AdminRoles.Admin], before.Principal.Roles);

        Assert.True(await Tokens.RevokeAsync(AdminTokenService.BootstrapName));

        Assert.Equal(AdminAuthStatus.Revoked, (await Tokens.AuthenticateAsync(TestKeys.BootstrapToken)).Status);
    }

    [Fact]
    public async Task AuthenticateAsync_UnknownOrMissingToken_IsRefused()
    {
        Assert.Equal(AdminAuthStatus.Invalid, (await Tokens.AuthenticateAsync("gwa_nope")).Status);
        Assert.Equal(AdminAuthStatus.Missing, (await Tokens.AuthenticateAsync(null)).Status);
        Assert.Equal(AdminAuthStatus.Invalid, (await Tokens.AuthenticateAsync(new string('x', 10_000))).Status);
    }

    [Fact]
    public async Task SeedAsync_DemoToken_Authenticates()
    {
        var name = NewName();
        await Tokens.SeedAsync("demo-approver-token-123456", name, [AdminRoles.Approver]);

        var result = await Tokens.AuthenticateAsync("demo-approver-token-123456");

        Assert.Equal(name, result.Principal!.Name);
    }
}

public sealed class AdminTokenServiceInMemoryTests : AdminTokenServiceTests
{
    public AdminTokenServiceInMemoryTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }
}

public sealed class AdminTokenServiceRedisTests(RedisFixture redis) : AdminTokenServiceTests, IClassFixture<RedisFixture>
{
    protected override IStateStore Store { get; } = redis.Connect();
}
