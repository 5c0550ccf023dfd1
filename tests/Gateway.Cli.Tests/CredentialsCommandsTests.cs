namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl credentials reencrypt</c> against the real gateway on Kestrel: the API checks one tenant, so the answer
/// that no record of it is under a retired key says which tenant, and that the key may go only once every tenant says so
/// and the kept provider tokens sealed under it have expired (docs/operations.md's re-encrypt steps). A credential given
/// as an argument to <c>credentials put</c> is refused without being echoed.
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

    [Fact]
    public async Task Put_ValueGivenAsAnArgument_ErrorNeverEchoesIt()
    {
        const string Value = "sk-live-0123456789abcdef";

        var result = await CliRun.RunAsync("credentials", "put", "crm", "--tenant", "acme", Value);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.DoesNotContain(Value, result.Error + result.Out, StringComparison.Ordinal);
        Assert.Contains("--from-file", result.Error, StringComparison.Ordinal);
    }
}
