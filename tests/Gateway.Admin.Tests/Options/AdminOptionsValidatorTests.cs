using Gateway.Admin.Options;
using Gateway.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Admin.Tests.Options;

public sealed class AdminOptionsValidatorTests
{
    [Fact]
    public void Validate_SeveralBadSettings_ReportsEveryError()
    {
        var options = new AdminOptions { BootstrapTokenSha256 = "xyz", MaxFailedAuthPerWindow = 0, FailedAuthWindow = TimeSpan.FromHours(2), MaxLiveTokensPerTenant = 0 };

        var result = new AdminOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            ["Gateway:Admin:BootstrapTokenSha256", "Gateway:Admin:MaxFailedAuthPerWindow", "Gateway:Admin:FailedAuthWindow", "Gateway:Admin:MaxLiveTokensPerTenant"],
            result.Failures!.Select(static failure => failure.Split(' ')[0]));
        Assert.True(new AdminOptionsValidator().Validate(null, AdminTestServices.DefaultOptions).Succeeded);
    }

    [Fact]
    public async Task StartAsync_BadBootstrapHash_FailsAtStartUp()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Admin:BootstrapTokenSha256"] = "not-hex" });
        builder.Services.AddGatewayAdmin(builder.Configuration);
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Gateway:Admin:BootstrapTokenSha256", ex.Message, StringComparison.Ordinal);
    }
}
