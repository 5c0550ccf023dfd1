namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl credentials reencrypt</c> against the real gateway on Kestrel: the API checks one tenant, so the answer
/// that no record of it is under a retired key says which tenant, and that the key may go only once every tenant says so
/// and the kept provider tokens sealed under it have expired (docs/operations.md's re-encrypt steps).
/// </summary>
public sealed class CredentialsCommandsTests : IAsyncLifetime
{
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task CredentialsReencrypt_NoRecordUnderARetiredKey_SaysSoForThatTenantOnlyAndWhatElseMustHoldFirst()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "credentials", "reencrypt", "--tenant", DemoGateway.Tenant);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"No record of tenant {DemoGateway.Tenant} is sealed under a retired key.", result.Out, StringComparison.Ordinal);
        Assert.Contains("run this for every tenant", result.Out, StringComparison.Ordinal);
        Assert.Contains("Gateway:Person:ProviderRefreshTokenLifetime", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("the retired keys may be removed", result.Out, StringComparison.Ordinal);
    }
}
