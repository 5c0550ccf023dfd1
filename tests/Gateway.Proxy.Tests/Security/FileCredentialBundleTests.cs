using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Security;

/// <summary>A bundle whose <c>file:</c> credential leaves its tenant's credentials directory is refused at load.</summary>
public sealed class FileCredentialBundleTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("gw-credroot-").FullName;
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "demo"));
        Directory.CreateDirectory(Path.Combine(_root, "other"));
        await File.WriteAllTextAsync(Path.Combine(_root, "demo", "crm.token"), "demo-crm");
        await File.WriteAllTextAsync(Path.Combine(_root, "other", "crm.token"), "other-crm");
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?> { ["Gateway:Credentials:Root"] = _root });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("secrets/demo-agent.secret")]
    [InlineData("{root}/other/crm.token")]
    [InlineData("/etc/hostname")]
    public async Task Reload_FileCredentialOutsideTheTenantsDirectory_IsRefusedAndTheOldPolicyStays(string reference)
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        var before = policy.Current;
        UseCredential(reference.Replace("{root}", _root, StringComparison.Ordinal));

        var errors = await policy.ReloadAsync();

        Assert.Contains(errors, e => e.Code == "credential_file_confined" && e.Message.Contains("crm.read_contact", StringComparison.Ordinal));
        Assert.Same(before, policy.Current);
    }

    [Fact]
    public async Task Reload_FileCredentialInTheTenantsDirectory_IsApplied()
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        UseCredential(Path.Combine(_root, "demo", "crm.token"));

        Assert.Empty(await policy.ReloadAsync());
    }

    private void UseCredential(string path)
    {
        var marker = "credential: vault:crm-token\n    http: { method: GET";
        _bundle.Rewrite(text =>
        {
            Assert.Contains(marker, text, StringComparison.Ordinal);
            var index = text.IndexOf(marker, StringComparison.Ordinal);
            return text[..index] + "credential: file:" + path + text[(index + "credential: vault:crm-token".Length)..];
        });
    }
}
