using Gateway.Admin.Options;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Admin.Tests.Tokens;

/// <summary>Admin token contract, run against every store.</summary>
public abstract class AdminTokenServiceTests
{
    protected ManualTimeProvider Time { get; } = new();

    protected abstract IStateStore Store { get; }

    private readonly string _tenant = TestServices.NewTenant();

    private readonly TestRegister _register = new();

    private AdminTokenService Tokens => AdminTestServices.Tokens(Store, Time, _register.Add(_tenant, approvers: ["alice", "bob"]));

    private static string NewName() => "person-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task IssueAsync_NewName_AuthenticatesWithRolesAndStoresOnlyTheHash()
    {
        var name = NewName();
        var issued = (await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Admin, AdminRoles.Auditor]), AdminTestServices.Operator)).Issued!;

        var result = await Tokens.AuthenticateAsync(issued.Token);

        Assert.StartsWith(AdminTokenService.TokenPrefix, issued.Token, StringComparison.Ordinal);
        Assert.Equal(AdminAuthStatus.Authenticated, result.Status);
        Assert.Equal(name, result.Principal!.Name);
        Assert.Equal([AdminRoles.Admin, AdminRoles.Auditor], result.Principal.Roles);
        var stored = await Store.GetAsync(StoreKeys.AdminToken(AdminTokenService.HashToken(issued.Token)));
        Assert.NotNull(stored);
        Assert.DoesNotContain(issued.Token, stored, StringComparison.Ordinal);
        Assert.Null(await Store.GetAsync(StoreKeys.AdminToken(issued.Token)));
    }

    [Fact]
    public async Task RevokeAsync_IssuedToken_IsRefusedAfterwards()
    {
        var name = NewName();
        var token = (await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Admin]), AdminTestServices.Operator)).Issued!.Token;

        Assert.True(await Tokens.RevokeAsync(name, null, AdminTestServices.Operator));

        Assert.Equal(AdminAuthStatus.Revoked, (await AdminTestServices.Tokens(Store, Time).AuthenticateAsync(token)).Status);
    }

    [Fact]
    public async Task IssueAsync_LiveNameTaken_IsRefusedUntilRevoked()
    {
        var name = NewName();
        await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Admin]), AdminTestServices.Operator);

        var taken = await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Admin]), AdminTestServices.Operator);
        await Tokens.RevokeAsync(name, null, AdminTestServices.Operator);
        var reissued = await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Auditor]), AdminTestServices.Operator);

        Assert.Equal(AdminTokenIssueOutcome.NameTaken, taken.Code);
        Assert.NotNull(reissued.Issued);
    }

    [Fact]
    public async Task IssueAsync_ANameAnotherTenantUses_IsIssuedButTwiceInOneTenantIsTaken()
    {
        // Names are per tenant: an admin confined to one tenant learns nothing of another's token names.
        var other = TestServices.NewTenant();
        var tokens = AdminTestServices.Tokens(Store, Time, _register.Add(_tenant, approvers: ["alice"]).Add(other, approvers: ["alice"]));
        var name = NewName();
        var ownAdmin = new AdminPrincipal("own-admin", [AdminRoles.Admin]) { Tenant = _tenant };
        var otherAdmin = new AdminPrincipal("other-admin", [AdminRoles.Admin]) { Tenant = other };
        Assert.NotNull((await tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Auditor]) { Tenant = other }, otherAdmin)).Issued);

        var own = await tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Auditor]) { Tenant = _tenant }, ownAdmin);
        var twice = await tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Auditor]) { Tenant = _tenant }, ownAdmin);

        Assert.NotNull(own.Issued);
        Assert.Equal(AdminTokenIssueOutcome.NameTaken, twice.Code);
        Assert.True(await tokens.RevokeAsync(name, null, ownAdmin));
        Assert.Equal(AdminAuthStatus.Revoked, (await tokens.AuthenticateAsync(own.Issued!.Token)).Status);
        Assert.Single(await tokens.ListAsync(otherAdmin), t => t.Name == name && !t.Revoked);
        Assert.True(await tokens.RevokeAsync(name, other, AdminTestServices.Operator));
    }

    [Fact]
    public async Task IssueAsync_UnknownRoleOrReservedName_IsRefused()
    {
        Assert.Equal(AdminTokenIssueOutcome.InvalidRoles, (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), ["root"]), AdminTestServices.Operator)).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidRoles, (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), []), AdminTestServices.Operator)).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidName, (await Tokens.IssueAsync(new AdminTokenSpec(AdminTokenService.BootstrapName, [AdminRoles.Admin]), AdminTestServices.Operator)).Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidName, (await Tokens.IssueAsync(new AdminTokenSpec("has space", [AdminRoles.Admin]), AdminTestServices.Operator)).Code);
    }

    [Fact]
    public async Task IssueAsync_ApproverWithoutTenantAndPerson_IsRefused()
    {
        var bare = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]), AdminTestServices.Operator);
        var noPerson = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant }, AdminTestServices.Operator);

        Assert.Equal(AdminTokenIssueOutcome.InvalidScope, bare.Code);
        Assert.Equal(AdminTokenIssueOutcome.InvalidScope, noPerson.Code);
    }

    [Fact]
    public async Task IssueAsync_ApproverNotInTheTenantsRegister_IsRefused()
    {
        var stranger = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "mallory" }, AdminTestServices.Operator);
        var otherTenant = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = TestServices.NewTenant(), Person = "alice" }, AdminTestServices.Operator);

        Assert.Equal(AdminTokenIssueOutcome.UnknownPerson, stranger.Code);
        Assert.Equal(AdminTokenIssueOutcome.UnknownPerson, otherTenant.Code);
    }

    [Fact]
    public async Task IssueAsync_ApproverOfTheRegister_CarriesTenantPersonAndMinter()
    {
        var tenantAdmin = new AdminPrincipal("acme-admin", [AdminRoles.Admin]) { Tenant = _tenant, Person = "bob" };
        var issued = (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "alice" }, tenantAdmin)).Issued!;

        var principal = (await Tokens.AuthenticateAsync(issued.Token)).Principal!;

        Assert.Equal(_tenant, principal.Tenant);
        Assert.Equal("alice", principal.Person);
        Assert.Equal("acme-admin", principal.IssuedBy);
    }

    [Fact]
    public async Task IssueAsync_TokensMintedUnderOneTenantAdmin_AllRecordThatAdminAsMinter()
    {
        var admin = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var otherAdmin = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var second = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, admin);
        var zed = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant, Person = "zed" }, admin);
        var third = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, second);

        // Each read back by a fresh service from the store: what a restarted gateway sees.
        var minted = new[]
        {
            await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "alice" }, admin),
            await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "bob" }, second),
            await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "bob" }, zed),
            await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "alice" }, third),
            second, zed, third,
        };
        var another = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = _tenant, Person = "bob" }, otherAdmin);

        Assert.Equal(AdminTestServices.Operator.Name, admin.IssuedBy);
        Assert.Equal(admin.Name, admin.MintsAs);
        Assert.All(minted, p => Assert.Equal(admin.Name, p.IssuedBy));
        Assert.All([second, zed, third], p => Assert.Equal(admin.Name, p.MintsAs));
        Assert.Equal(otherAdmin.Name, another.IssuedBy);
    }

    [Fact]
    public async Task RevokeAsync_TenantTokenNamedLikeAnOperatorToken_RevokesWhatItMintedOnly()
    {
        var name = NewName();
        var operatorOps = await MintAsync(new AdminTokenSpec(name, [AdminRoles.Admin]), AdminTestServices.Operator);
        var tenantAdmin = await MintAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var tenantOps = await MintAsync(new AdminTokenSpec(name, [AdminRoles.Admin]) { Tenant = _tenant }, tenantAdmin);
        var byOperatorOps = (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, operatorOps)).Issued!;
        var byTenantOps = (await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, tenantOps)).Issued!;

        Assert.True(await Tokens.RevokeAsync(name, _tenant, AdminTestServices.Operator));

        Assert.Equal(AdminAuthStatus.Revoked, (await Tokens.AuthenticateAsync(byTenantOps.Token)).Status);
        Assert.Equal(AdminAuthStatus.Authenticated, (await Tokens.AuthenticateAsync(byOperatorOps.Token)).Status);
    }

    [Fact]
    public async Task RevokeAsync_MintInFlightAcrossTheCascade_LeavesNoLiveTokenMintedByTheRevoked()
    {
        var held = new HeldAdminTokenStore(new StateStoreAdminTokenStore(Store));
        var tokens = AdminTestServices.Tokens(held, Store, Time, _register.Add(_tenant, approvers: ["alice"]), maxLivePerTenant: 100);
        var admin = await MintAsync(tokens, new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var adding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var revoked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.HoldNextAdd(async () =>
        {
            adding.SetResult();
            await revoked.Task;
        });

        // The mint has passed its checks and writes its token only once the revoke (and its cascade) returned.
        var minting = tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, admin).AsTask();
        await adding.Task;
        Assert.True(await tokens.RevokeAsync(admin.Name, _tenant, AdminTestServices.Operator));
        revoked.SetResult();
        var outcome = await minting;

        Assert.Null(outcome.Issued);
        Assert.Equal(AdminTokenIssueOutcome.IssuerRevoked, outcome.Code);
        Assert.DoesNotContain(await tokens.ListAsync(AdminTestServices.Operator), t => t.MintedBy == admin.Name && !t.Revoked);
    }

    [Fact]
    public async Task RevokeAsync_GrandchildMintedWhileTheCascadeRuns_IsRevokedToo()
    {
        var held = new HeldAdminTokenStore(new StateStoreAdminTokenStore(Store));
        var tokens = AdminTestServices.Tokens(held, Store, Time, _register.Add(_tenant, approvers: ["alice"]), maxLivePerTenant: 100);
        var admin = await MintAsync(tokens, new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator);
        var deputy = await MintAsync(tokens, new AdminTokenSpec(NewName(), [AdminRoles.Admin]) { Tenant = _tenant }, admin);
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var minted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.HoldNextList(async () =>
        {
            listed.SetResult();
            await minted.Task;
        });

        // The deputy (still live) mints after the cascade listed the tenant's tokens and before it reached the deputy.
        var revoking = tokens.RevokeAsync(admin.Name, _tenant, AdminTestServices.Operator).AsTask();
        await listed.Task;
        var grandchild = (await tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Auditor]) { Tenant = _tenant }, deputy)).Issued!;
        minted.SetResult();
        Assert.True(await revoking);

        Assert.Equal(AdminAuthStatus.Revoked, (await tokens.AuthenticateAsync(grandchild.Token)).Status);
        Assert.DoesNotContain(await tokens.ListAsync(AdminTestServices.Operator), t => !t.Revoked && (t.MintedBy == admin.Name || t.MintedBy == deputy.Name));
    }

    [Fact]
    public async Task IssueAsync_TenantAdminForAnotherTenantOrOperatorWide_IsForbidden()
    {
        var other = TestServices.NewTenant();
        _register.Add(other, approvers: ["alice"]);
        var tenantAdmin = new AdminPrincipal("acme-admin", [AdminRoles.Admin]) { Tenant = _tenant };

        var foreign = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Approver]) { Tenant = other, Person = "alice" }, tenantAdmin);
        var operatorWide = await Tokens.IssueAsync(new AdminTokenSpec(NewName(), [AdminRoles.Admin]), tenantAdmin);

        Assert.Equal(AdminTokenIssueOutcome.ScopeForbidden, foreign.Code);
        Assert.Equal(AdminTokenIssueOutcome.ScopeForbidden, operatorWide.Code);
    }

    [Fact]
    public async Task RevokeAsync_TenantAdmin_CannotRevokeAnotherTenantsToken()
    {
        var name = NewName();
        await Tokens.IssueAsync(new AdminTokenSpec(name, [AdminRoles.Approver]) { Tenant = _tenant, Person = "alice" }, AdminTestServices.Operator);
        var foreignAdmin = new AdminPrincipal("other-admin", [AdminRoles.Admin]) { Tenant = TestServices.NewTenant() };

        Assert.False(await Tokens.RevokeAsync(name, null, foreignAdmin));
        Assert.True(await Tokens.RevokeAsync(name, null, new AdminPrincipal("acme-admin", [AdminRoles.Admin]) { Tenant = _tenant }));
    }

    [Fact]
    public async Task AuthenticateAsync_BootstrapToken_IsAdminUntilRevoked()
    {
        // A bootstrap token of this test's own: the shared one is the operator the other tests mint as (one Redis for all).
        var bootstrap = AdminTokenService.NewToken();
        var tokens = new AdminTokenService(new StateStoreAdminTokenStore(Store), new TestRegister(), Store, Time,
            MsOptions.Create(new AdminOptions { BootstrapTokenSha256 = AdminTokenService.HashToken(bootstrap) }), NullLogger<AdminTokenService>.Instance);
        var before = await tokens.AuthenticateAsync(bootstrap);
        Assert.Equal(AdminAuthStatus.Authenticated, before.Status);
        Assert.Equal(AdminTokenService.BootstrapName, before.Principal!.Name);
        Assert.Equal([AdminRoles.Admin], before.Principal.Roles);

        Assert.True(await tokens.RevokeAsync(AdminTokenService.BootstrapName, null, AdminTestServices.Operator));

        Assert.Equal(AdminAuthStatus.Revoked, (await tokens.AuthenticateAsync(bootstrap)).Status);
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
        await Tokens.SeedAsync("demo-approver-token-123456", new AdminTokenSpec(name, [AdminRoles.Auditor]));

        var result = await Tokens.AuthenticateAsync("demo-approver-token-123456");

        Assert.Equal(name, result.Principal!.Name);
    }

    private Task<AdminPrincipal> MintAsync(AdminTokenSpec spec, AdminPrincipal issuer) => MintAsync(Tokens, spec, issuer);

    private static async Task<AdminPrincipal> MintAsync(AdminTokenService tokens, AdminTokenSpec spec, AdminPrincipal issuer)
    {
        var issued = await tokens.IssueAsync(spec, issuer);
        return (await tokens.AuthenticateAsync(issued.Issued?.Token ?? throw new InvalidOperationException(issued.Code))).Principal!;
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
