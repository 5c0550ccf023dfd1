using Gateway.Connectors.Credentials;
using Gateway.Testing;

namespace Gateway.Connectors.Tests;

/// <summary><c>file:</c> credentials stay inside <c>&lt;root&gt;/&lt;tenant&gt;/</c>: at bundle load and at every read.</summary>
public sealed class CredentialFileConfinementTests : IDisposable
{
    private readonly string _root;
    private readonly string _outside;
    private readonly string _acme;
    private readonly string _globex;

    public CredentialFileConfinementTests()
    {
        var top = Directory.CreateTempSubdirectory("gw-confine-").FullName;
        _root = Directory.CreateDirectory(Path.Combine(top, "credentials")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(top, "keys")).FullName;
        _acme = Directory.CreateDirectory(Path.Combine(_root, "acme")).FullName;
        _globex = Directory.CreateDirectory(Path.Combine(_root, "globex")).FullName;
        File.WriteAllText(Path.Combine(_acme, "crm-token"), "acme-crm");
        File.WriteAllText(Path.Combine(_globex, "crm-token"), "globex-crm");
        File.WriteAllText(Path.Combine(_outside, "decision-signing.key"), "host-key");
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);

    [Fact]
    public void Check_FileInTheTenantsDirectory_IsAllowed()
    {
        var confinement = new CredentialFileConfinement(_root);

        Assert.Null(confinement.Check("acme", "crm-token", Path.Combine(_acme, "crm-token")));
    }

    [Fact]
    public void Check_AbsolutePathOutsideTheRoot_IsRefused()
    {
        var confinement = new CredentialFileConfinement(_root);
        var hostKey = Path.Combine(_outside, "decision-signing.key");

        Assert.Contains("outside", confinement.Check("acme", hostKey, hostKey), StringComparison.Ordinal);
        Assert.NotNull(confinement.Check("acme", "/etc/passwd", "/etc/passwd"));
    }

    [Fact]
    public void Check_AnotherTenantsFile_IsRefused()
    {
        var confinement = new CredentialFileConfinement(_root);
        var foreign = Path.Combine(_globex, "crm-token");

        Assert.NotNull(confinement.Check("acme", foreign, foreign));
        Assert.Null(confinement.Check("globex", foreign, foreign));
    }

    [Fact]
    public void Check_DotDotSegment_IsRefusedEvenWhenItLandsInside()
    {
        var confinement = new CredentialFileConfinement(_root);

        Assert.Contains("'..'", confinement.Check("acme", "x/../crm-token", Path.Combine(_acme, "crm-token")), StringComparison.Ordinal);
        Assert.NotNull(confinement.Check("acme", "../globex/crm-token", Path.GetFullPath(Path.Combine(_acme, "../globex/crm-token"))));
    }

    [Fact]
    public void Check_SymlinkOutOfTheTenantsDirectory_IsRefused()
    {
        var confinement = new CredentialFileConfinement(_root);
        var toHost = Path.Combine(_acme, "innocent");
        File.CreateSymbolicLink(toHost, Path.Combine(_outside, "decision-signing.key"));
        var toGlobex = Path.Combine(_acme, "shared");
        Directory.CreateSymbolicLink(toGlobex, _globex);

        Assert.Contains("symbolic link", confinement.Check("acme", "innocent", toHost), StringComparison.Ordinal);
        Assert.NotNull(confinement.Check("acme", "shared/crm-token", Path.Combine(toGlobex, "crm-token")));
    }

    [Fact]
    public void Check_NoRootConfigured_RefusesEveryFileReference()
    {
        var confinement = new CredentialFileConfinement(null);

        Assert.Contains("no credentials root", confinement.Check("acme", "crm-token", Path.Combine(_acme, "crm-token")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_FileOutsideTheTenantsDirectory_IsRefusedWithoutReadingIt()
    {
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _root });

        var foreign = await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + Path.Combine(_globex, "crm-token")));
        var host = await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + Path.Combine(_outside, "decision-signing.key")));

        Assert.DoesNotContain("globex-crm", foreign.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("host-key", host.Message, StringComparison.Ordinal);
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", "file:" + Path.Combine(_acme, "crm-token"))).Value);
    }

    [Fact]
    public async Task Resolve_SymlinkSwappedOutAfterLoad_IsRefusedAtTheNextRead()
    {
        var time = new ManualTimeProvider();
        var link = Path.Combine(_acme, "current");
        File.CreateSymbolicLink(link, Path.Combine(_acme, "crm-token"));
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _root, FileCacheTtl = TimeSpan.FromSeconds(1) }, time);
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", "file:" + link)).Value);

        File.Delete(link);
        File.CreateSymbolicLink(link, Path.Combine(_outside, "decision-signing.key"));
        time.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + link));
    }

    [Fact]
    public async Task Resolve_AnotherTenantsCachedPath_IsRefused()
    {
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _root, FileCacheTtl = TimeSpan.FromMinutes(5) });
        var acmeToken = "file:" + Path.Combine(_acme, "crm-token");
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", acmeToken)).Value);

        var refused = await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("globex", acmeToken));

        Assert.DoesNotContain("acme-crm", refused.Message, StringComparison.Ordinal);
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", acmeToken)).Value);
    }

    [Fact]
    public async Task Resolve_WithinTheCacheInterval_ServesTheCheckedValueAndRechecksAtRefresh()
    {
        var time = new ManualTimeProvider();
        var link = Path.Combine(_acme, "current");
        File.CreateSymbolicLink(link, Path.Combine(_acme, "crm-token"));
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _root, FileCacheTtl = TimeSpan.FromSeconds(30) }, time);
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", "file:" + link)).Value);

        // Swapped out of the directory: within the interval the value read after the check is served (nothing is read) ...
        File.Delete(link);
        File.CreateSymbolicLink(link, Path.Combine(_outside, "decision-signing.key"));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("acme-crm", (await resolver.ResolveAsync("acme", "file:" + link)).Value);

        // ... and the refresh checks again before it reads: refused, and the cached value is dropped.
        time.Advance(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + link));
        Assert.DoesNotContain("host-key", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + link));
    }
}
