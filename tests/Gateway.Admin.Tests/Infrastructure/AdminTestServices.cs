using Gateway.Admin.Options;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Register;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Admin.Tests.Infrastructure;

/// <summary>The admin API's services built by hand (no host) over a given store and clock, and its bootstrap token.</summary>
internal static class AdminTestServices
{
    public const string BootstrapToken = "gwa_bootstrap-token-for-tests-only";

    public static AdminOptions DefaultOptions { get; } = new() { BootstrapTokenSha256 = AdminTokenService.HashToken(BootstrapToken) };

    /// <summary>The bootstrap admin as the admin API sees it: an operator (no tenant).</summary>
    public static AdminPrincipal Operator { get; } = new(AdminTokenService.BootstrapName, [AdminRoles.Admin]);

    public static AdminTokenService Tokens(IStateStore store, TimeProvider time, IRegisterDirectory? register = null) =>
        new(new StateStoreAdminTokenStore(store), register ?? new TestRegister(), store, time, MsOptions.Create(DefaultOptions), NullLogger<AdminTokenService>.Instance);

    /// <summary>The service over <paramref name="tokens"/> (any backend) with at most <paramref name="maxLivePerTenant"/> live tokens a tenant.</summary>
    public static AdminTokenService Tokens(IAdminTokenStore tokens, IStateStore store, TimeProvider time, IRegisterDirectory register, int maxLivePerTenant) =>
        new(tokens, register, store, time, MsOptions.Create(DefaultOptions with { MaxLiveTokensPerTenant = maxLivePerTenant }), NullLogger<AdminTokenService>.Instance);
}
