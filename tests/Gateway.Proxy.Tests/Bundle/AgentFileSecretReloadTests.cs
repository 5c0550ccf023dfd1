using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Bundle;

/// <summary>
/// An agent's <c>file:</c> secret kept outside the bundle directory (a mounted Kubernetes Secret), replaced on disk with the
/// bundle left as it is: the running gateway re-reads it (the reload poll covers the files its agents' secrets name), so
/// the new secret signs and the replaced one is refused.
/// </summary>
public sealed class AgentFileSecretReloadTests : IAsyncDisposable
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private readonly DemoBundle _bundle = DemoBundle.Create();
    private readonly string _mount = Directory.CreateTempSubdirectory("gw-agent-secret-").FullName;
    private readonly string _old = NewSecret();
    private readonly string _new = NewSecret();
    private GatewayHost? _gateway;
    private PolicySnapshot? _loaded;

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _bundle.Dispose();
        Directory.Delete(_mount, recursive: true);
    }

    [Fact]
    public async Task Reload_SecretFileOutsideBundleRenamedOver_NewSecretSignsAndOldIsRefused()
    {
        var file = Path.Combine(_mount, "agent.secret");
        File.WriteAllText(file, _old + "\n");
        var policy = await StartAsync(file);

        File.WriteAllText(file + ".tmp", _new + "\n");
        File.Move(file + ".tmp", file, overwrite: true);

        await AssertRotatedAsync(policy);
    }

    [Fact]
    public async Task Reload_SecretMountDataLinkSwapped_NewSecretSignsAndOldIsRefused()
    {
        // The kubelet's layout of a Secret volume: agent.secret -> ..data/agent.secret, ..data -> a timestamped directory;
        // an update writes a new directory and renames a new ..data link over the old one.
        WriteVersion("..2026_01_01_00_00_00.1", _old);
        File.CreateSymbolicLink(Path.Combine(_mount, "..data"), "..2026_01_01_00_00_00.1");
        File.CreateSymbolicLink(Path.Combine(_mount, "agent.secret"), "..data/agent.secret");
        var policy = await StartAsync(Path.Combine(_mount, "agent.secret"));

        WriteVersion("..2026_01_02_00_00_00.2", _new);
        File.CreateSymbolicLink(Path.Combine(_mount, "..data_tmp"), "..2026_01_02_00_00_00.2");
        await RenameAsync(Path.Combine(_mount, "..data_tmp"), Path.Combine(_mount, "..data"));
        Directory.Delete(Path.Combine(_mount, "..2026_01_01_00_00_00.1"), recursive: true);

        await AssertRotatedAsync(policy);
    }

    [Fact]
    public async Task Reload_RefusedForASecretFileNotYetMounted_AppliesOnceTheFileAppears()
    {
        var file = Path.Combine(_mount, "agent.secret");
        File.WriteAllText(file, _old + "\n");
        var policy = await StartAsync(file);
        var next = Path.Combine(_mount, "next.secret");

        // A helm upgrade whose ConfigMap (a next_secret, a dropped permission) reaches the pod before the Secret it names.
        _bundle.Rewrite(text => text
            .Replace("secret: file:" + file, "secret: file:" + file + "\n    next_secret: file:" + next, StringComparison.Ordinal)
            .Replace("      - { tool: tickets.search }\n", string.Empty, StringComparison.Ordinal));
        Assert.Contains(await policy.ReloadAsync(), e => e.Code == BundleErrorCodes.SecretFileMissing);
        Assert.Same(_loaded, policy.Current);

        File.WriteAllText(next, _new + "\n");

        await Eventually.HoldsAsync(() => !ReferenceEquals(policy.Current, _loaded), TimeSpan.FromSeconds(30), "the bundle refused for a missing secret file was not loaded once the file appeared");
        Assert.True(policy.Current!.Set.Tenants[DemoBundle.Tenant].TryGetAgent(DemoBundle.Agent, out var agent));
        Assert.DoesNotContain(agent!.Permissions, p => p.Tool == "tickets.search");
        using var rotated = await new AgentClient(_gateway!.Client, _new).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
    }

    private static string NewSecret() => "agent-file-secret-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>rename(2) of the link itself, as the kubelet does (File.Move follows a link to a directory and refuses it).</summary>
    private static async Task RenameAsync(string source, string target)
    {
        using var mv = Process.Start(new ProcessStartInfo("mv", ["-T", source, target]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("mv did not start");
        await mv.WaitForExitAsync();
        Assert.Equal(0, mv.ExitCode);
    }

    private void WriteVersion(string directory, string secret)
    {
        Directory.CreateDirectory(Path.Combine(_mount, directory));
        File.WriteAllText(Path.Combine(_mount, directory, "agent.secret"), secret + "\n");
    }

    /// <summary>Points the demo agent's secret at <paramref name="file"/>, starts the gateway, and checks the old secret signs.</summary>
    private async Task<PolicyProvider> StartAsync(string file)
    {
        _bundle.Rewrite(text => text.Replace("secret: file:secrets/demo-agent.secret", "secret: file:" + file, StringComparison.Ordinal));
        _gateway = await GatewayHost.StartAsync(_bundle.Directory);
        using var before = await new AgentClient(_gateway.Client, _old).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        _loaded = policy.Current;
        return policy;
    }

    /// <summary>Waits for the policy loaded at start to be replaced (nothing but the secret changed), then: the new secret signs, the old is refused.</summary>
    private async Task AssertRotatedAsync(PolicyProvider policy)
    {
        await Eventually.HoldsAsync(() => !ReferenceEquals(policy.Current, _loaded), TimeSpan.FromSeconds(30), "the replaced secret file was not re-read");

        using var fresh = await new AgentClient(_gateway!.Client, _new).PostJsonAsync("/v1/evaluate", Evaluate);
        using var replaced = await new AgentClient(_gateway.Client, _old).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        await ProblemAssert.IsProblemAsync(replaced, HttpStatusCode.Unauthorized, "signature_mismatch");
    }
}
